//! Dictionary maximum matching: forward, backward and bidirectional.
//!
//! The classic dictionary segmenter: from one end of a run of Chinese characters, take the
//! longest dictionary word that starts (forward) or ends (backward) there, and repeat.
//! Bidirectional matching runs both and keeps the one with fewer words, then fewer single
//! characters, then the backward one (Sun & Tsou's heuristic; backward matching is right more
//! often in Chinese).
//!
//! A key design decision: the dictionary is jieba's own trie, with the same user dictionaries
//! loaded, read through `Jieba::cut_all`, which lists every dictionary word of a run. The two
//! segmenters therefore always share one vocabulary, and this one costs no second copy of it.

use jieba_rs::Jieba;
use serde::Deserialize;

use zhpipe_core::Token;

use crate::{is_space, token};

/// Which way maximum matching runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Longest word from the start of each run.
    Forward,
    /// Longest word from the end of each run.
    Backward,
    /// Both, keeping the better (fewer words, then fewer single characters, then backward).
    #[default]
    Bidirectional,
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}' | '\u{2A700}'..='\u{2EBEF}' | '\u{2F800}'..='\u{2FA1F}')
}

/// Cuts `sentence` by maximum matching over `jieba`'s dictionary and appends its words that
/// are not whitespace to `tokens`, shifted by `base`; says whether one starts with an ASCII digit.
pub(crate) fn cut(jieba: &Jieba, direction: Direction, sentence: &str, base: usize, tokens: &mut Vec<Token>) -> bool {
    let mut numbers = false;
    let mut chars = sentence.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        let mut end = start + c.len_utf8();
        chars.next();
        if is_cjk(c) {
            while let Some(&(i, c)) = chars.peek() {
                if !is_cjk(c) {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
            cut_run(jieba, direction, &sentence[start..end], base + start, tokens);
            continue;
        }
        if c.is_ascii_alphanumeric() {
            numbers |= c.is_ascii_digit();
            // Letters and digits as one word; a `.` between digits and a closing `%` belong to
            // the number (`2.88`, `15.3%`, `PM2.5`).
            loop {
                let mut ahead = chars.clone();
                match ahead.next() {
                    Some((i, c))
                        if c.is_ascii_alphanumeric() || c == '%' && sentence.as_bytes()[i - 1].is_ascii_digit() =>
                    {
                        end = i + 1;
                        chars.next();
                        if c == '%' {
                            break;
                        }
                    }
                    Some((i, '.'))
                        if sentence.as_bytes()[i - 1].is_ascii_digit()
                            && matches!(ahead.next(), Some((_, d)) if d.is_ascii_digit()) =>
                    {
                        end = i + 1;
                        chars.next();
                    }
                    _ => break,
                }
            }
        }
        if !is_space(&sentence[start..end]) {
            tokens.push(token(base, start, end, None));
        }
    }
    numbers
}

/// Cuts one run of Chinese characters that starts at byte `base`.
fn cut_run(jieba: &Jieba, direction: Direction, run: &str, base: usize, tokens: &mut Vec<Token>) {
    let offsets: Vec<usize> = run.char_indices().map(|(i, _)| i).chain(std::iter::once(run.len())).collect();
    let n = offsets.len() - 1;
    // The longest word starting at each character, and the longest ending at each.
    let mut longest_from: Vec<usize> = (1..=n).collect();
    let mut longest_to: Vec<usize> = (0..=n).map(|j| j.saturating_sub(1)).collect();
    for word in jieba.cut_all(run) {
        longest_from[word.start] = longest_from[word.start].max(word.end);
        longest_to[word.end] = longest_to[word.end].min(word.start);
    }
    let forward = || {
        let mut cuts = Vec::new();
        let mut i = 0;
        while i < n {
            cuts.push((i, longest_from[i]));
            i = longest_from[i];
        }
        cuts
    };
    let backward = || {
        let mut cuts = Vec::new();
        let mut j = n;
        while j > 0 {
            cuts.push((longest_to[j], j));
            j = longest_to[j];
        }
        cuts.reverse();
        cuts
    };
    let cuts = match direction {
        Direction::Forward => forward(),
        Direction::Backward => backward(),
        Direction::Bidirectional => {
            let (f, b) = (forward(), backward());
            let singles = |cuts: &[(usize, usize)]| cuts.iter().filter(|(s, e)| e - s == 1).count();
            if (f.len(), singles(&f)) < (b.len(), singles(&b)) { f } else { b }
        }
    };
    tokens.extend(cuts.into_iter().map(|(s, e)| token(base, offsets[s], offsets[e], None)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn jieba() -> &'static Jieba {
        static JIEBA: OnceLock<Jieba> = OnceLock::new();
        JIEBA.get_or_init(Jieba::new)
    }

    fn words(direction: Direction, text: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        cut(jieba(), direction, text, 0, &mut tokens);
        tokens.iter().map(|t| text[t.span.range()].to_owned()).collect()
    }

    #[test]
    fn forward_and_backward_differ_where_the_textbook_says() {
        // 研究生命起源: forward takes 研究生, backward 生命.
        assert_eq!(words(Direction::Forward, "研究生命起源"), ["研究生", "命", "起源"]);
        assert_eq!(words(Direction::Backward, "研究生命起源"), ["研究", "生命", "起源"]);
        assert_eq!(words(Direction::Bidirectional, "研究生命起源"), ["研究", "生命", "起源"]);
    }

    #[test]
    fn numbers_and_codes_stay_whole() {
        assert_eq!(
            words(Direction::Bidirectional, "PM2.5下降15.3%,达2.88万个。"),
            ["PM2.5", "下降", "15.3%", ",", "达", "2.88", "万个", "。"]
        );
        assert_eq!(words(Direction::Forward, "v1.2. 3%"), ["v1.2", ".", "3%"]);
    }
}
