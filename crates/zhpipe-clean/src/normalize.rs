//! Character normalisation of one line, so that the same sentence from two sources gives the
//! same text. The convention is described in the crate documentation; this module implements it.
//!
//! Every step is a function of the line and of characters that the steps after it never change,
//! which is what makes the whole idempotent: punctuation decisions look at the nearest non-space
//! neighbours, which the whitespace step (last) leaves in place.

use crate::pinyin::is_han;

/// Counts of what normalisation changed, for the notes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Changes {
    /// Full-width letters and digits made half-width.
    pub width: u64,
    /// ASCII punctuation made full-width in Han context.
    pub punctuation: u64,
}

/// Full-width and CJK punctuation, including the quotes, dashes and dots used in Chinese text.
pub(crate) fn is_cjk_punct(c: char) -> bool {
    matches!(c,
        '\u{3001}'..='\u{303F}' | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}'
        | '\u{FF5B}'..='\u{FF65}' | '“' | '”' | '‘' | '’' | '—' | '…' | '·' | '•')
}

/// A letter or digit of any script, with the common cases (ASCII, Han) decided without
/// Unicode table lookups, which dominate the cost of counting text otherwise.
pub(crate) fn is_letter(c: char) -> bool {
    c.is_ascii_alphanumeric() || is_han(c) || (!c.is_ascii() && !is_cjk_punct(c) && c.is_alphanumeric())
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{00A0}'
}

/// Normalises one line (no `\n` inside). See the crate docs for the convention.
pub(crate) fn line(input: &str, changes: &mut Changes) -> String {
    // 1. Width: full-width letters and digits to ASCII; every kind of space to ' '; zero-width
    //    characters dropped.
    let mut chars: Vec<char> = Vec::with_capacity(input.len());
    for c in input.chars() {
        match c {
            // The common case first, without a Unicode table lookup.
            c if is_han(c) || (c.is_ascii_graphic()) => chars.push(c),
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                changes.width += 1;
                chars.push(char::from_u32(c as u32 - 0xFEE0).unwrap_or(c));
            }
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\u{00AD}' => {}
            c if is_space(c) => chars.push(' '),
            c => chars.push(c),
        }
    }
    // A full-width full stop between digits is a decimal point (`２．５` → `2.5`).
    for i in 1..chars.len().saturating_sub(1) {
        if chars[i] == '．' && chars[i - 1].is_ascii_digit() && chars[i + 1].is_ascii_digit() {
            chars[i] = '.';
            changes.width += 1;
        }
    }

    // 2. Punctuation in Han context. Parentheses first, so that a mark after `)` sees the `）`
    //    it becomes, as it would on a second pass.
    let prev_solid = |chars: &[char], i: usize| chars[..i].iter().rev().find(|c| **c != ' ').copied();
    let next_solid = |chars: &[char], i: usize| chars[i + 1..].iter().find(|c| **c != ' ').copied();
    let wide = |c: Option<char>| c.is_some_and(|c| is_han(c) || is_cjk_punct(c));
    let mut parens: Vec<usize> = Vec::new();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '(' {
            parens.push(i);
        } else if c == ')'
            && let Some(open) = parens.pop()
        {
            pairs.push((open, i));
        }
    }
    for (open, close) in pairs {
        // The window is bounded so that deeply nested parentheses stay linear.
        let inner_han = chars[open + 1..close].iter().take(200).any(|&c| is_han(c));
        let before_han = prev_solid(&chars, open).is_some_and(is_han);
        if inner_han || before_han {
            chars[open] = '（';
            chars[close] = '）';
            changes.punctuation += 2;
        }
    }
    for i in 0..chars.len() {
        let c = chars[i];
        match c {
            ',' | ';' | ':' | '?' | '!' => {
                let (p, n) = (prev_solid(&chars, i), next_solid(&chars, i));
                let digits = p.is_some_and(|p| p.is_ascii_digit()) && n.is_some_and(|n| n.is_ascii_digit());
                if !digits && (wide(p) || n.is_some_and(is_han)) {
                    chars[i] = match c {
                        ',' => '，',
                        ';' => '；',
                        ':' => '：',
                        '?' => '？',
                        _ => '！',
                    };
                    changes.punctuation += 1;
                }
            }
            '.' => {
                let (p, n) = (prev_solid(&chars, i), next_solid(&chars, i));
                if p.is_some_and(is_han) && (n.is_none() || n.is_some_and(is_han)) {
                    chars[i] = '。';
                    changes.punctuation += 1;
                }
            }
            _ => {}
        }
    }

    // 3. Whitespace: trimmed, runs collapsed to one space, and no space at all next to CJK
    //    punctuation or between a Han character and a digit (`2023 年 5 月` → `2023年5月`).
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != ' ' {
            out.push(c);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let (Some(&left), Some(&right)) = (start.checked_sub(1).and_then(|s| chars.get(s)), chars.get(i)) else {
            continue;
        };
        let han_digit = (is_han(left) && right.is_ascii_digit()) || (left.is_ascii_digit() && is_han(right));
        if !(is_cjk_punct(left) || is_cjk_punct(right) || han_digit) {
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        line(s, &mut Changes::default())
    }

    macro_rules! t {
        ($name:ident, $input:expr, $expected:expr) => {
            #[test]
            fn $name() {
                assert_eq!(norm($input), $expected, "{:?}", $input);
                assert_eq!(norm($expected), $expected, "not idempotent on {:?}", $expected);
            }
        };
    }

    t!(norm01_comma_between_han, "5月11日至12日,2024年", "5月11日至12日，2024年");
    t!(norm02_comma_after_percent, "下降15.3%,為歷史", "下降15.3%，為歷史");
    t!(norm03_thousands_stay, "1,000人", "1,000人");
    t!(norm04_clock_stays, "2022年02月26日12:29", "2022年02月26日12:29");
    t!(norm05_colon_label, "发布日期:2024-05-14 16:41:21", "发布日期：2024-05-14 16:41:21");
    t!(norm06_space_after_label, "来源: 河北省人民政府网站", "来源：河北省人民政府网站");
    t!(norm07_parens_with_han, "(河北日报记者四建磊、吴韬)5月", "（河北日报记者四建磊、吴韬）5月");
    t!(norm08_parens_after_han, "国内生产总值(GDP)增长", "国内生产总值（GDP）增长");
    t!(norm09_ascii_parens_stay, "f(x) = 1", "f(x) = 1");
    t!(norm10_full_width_digits, "ＰＭ２．５浓度", "PM2.5浓度");
    t!(norm11_ideographic_space, "\u{3000}\u{3000}新华社北京1月25日电", "新华社北京1月25日电");
    t!(norm12_pdf_spaces, "2023 年 5 月", "2023年5月");
    t!(norm13_space_after_stop, "在津举行。 河北日报记者赵海江摄", "在津举行。河北日报记者赵海江摄");
    t!(norm14_han_space_kept, "王正譜主持   廉毅敏出席", "王正譜主持 廉毅敏出席");
    t!(norm15_latin_space_kept, "使用 Python 语言", "使用 Python 语言");
    t!(norm16_decimal_stays, "2.88萬個", "2.88萬個");
    t!(norm17_final_stop, "在津举行.", "在津举行。");
    t!(norm18_question, "忘記密碼?", "忘記密碼？");
    t!(norm19_quotes_stay, "雄安“1+4+26”規劃", "雄安“1+4+26”規劃");
    t!(norm20_nbsp, "京津冀\u{a0}\u{a0}协同", "京津冀 协同");
    t!(norm21_nested, "a(b(中)c)d", "a（b（中）c）d");
    t!(norm22_mark_after_parenthesis, "张启发(2018年);", "张启发（2018年）；");
}
