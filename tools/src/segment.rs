//! `eval segment ICWB2_DIR [--user-dict FILE]... [--corpus NAME]...`: both segmenters against
//! the SIGHAN 2005 bakeoff gold standards.
//!
//! ICWB2_DIR has the `icwb2-data` layout: `testing/<corpus>_test.utf8` and
//! `gold/<corpus>_test_gold.utf8`; the data is for research use only, so it is read from where
//! it lies and never copied. Scoring follows the bakeoff's `score` script: a word is correct when
//! its span over the line's characters is a gold word's span; precision, recall and F1 over all
//! words.
//!
//! With `--user-dict FILE` (a word list or a jieba dictionary, e.g. the bakeoff's
//! `gold/pku_training_words.utf8`), every setting is scored again with that list loaded on top
//! of jieba's dictionary, and again with that list alone as the vocabulary
//! (`jieba_dictionary = false`): what a user gets by adapting zhpipe to their own corpus's
//! standard.

use std::path::{Path, PathBuf};
use std::time::Instant;

use jieba_rs::Jieba;
use zhpipe_segment::{Direction, MaxMatch, MaxMatchConfig, Segment, SegmentConfig, dictionary, jieba_with};

use crate::common::metrics::Counts;
use crate::common::{Result, read_text};

/// Published F1 of jieba on the same sets (howl-anderson/Chinese_tokenizer_benchmark).
const PUBLISHED: &[(&str, f64)] = &[("pku", 0.818), ("msr", 0.815)];

/// `eval segment`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bakeoff data (`testing/` and `gold/`).
    #[arg(value_name = "ICWB2_DIR")]
    pub dir: PathBuf,
    /// A word list or jieba dictionary to score again with, on top of jieba's and alone
    /// (repeatable).
    #[arg(long = "user-dict", value_name = "FILE")]
    pub user_dicts: Vec<PathBuf>,
    /// The corpora to score (repeatable; default: pku and msr).
    #[arg(long = "corpus", value_name = "NAME")]
    pub corpora: Vec<String>,
}

struct Corpus {
    name: String,
    /// The unsegmented lines.
    lines: Vec<String>,
    /// The gold words as character spans over the whole file without whitespace: the gold file
    /// moves a few quotation marks across line ends, so lines are not aligned one to one, but
    /// the character streams are equal (checked on loading).
    gold: Vec<(usize, usize)>,
    chars: usize,
    bytes: usize,
}

/// Runs `eval segment`.
pub fn run(args: &Args) -> Result<()> {
    let names = if args.corpora.is_empty() { vec!["pku".into(), "msr".into()] } else { args.corpora.clone() };
    let corpora = names.iter().map(|name| load_corpus(&args.dir, name)).collect::<Result<Vec<_>>>()?;
    for corpus in &corpora {
        eprintln!("{}: {} lines, {} characters", corpus.name, corpus.lines.len(), corpus.chars);
    }

    let mut dictionaries: Vec<(String, Jieba)> = vec![("jieba".into(), Jieba::new())];
    for path in &args.user_dicts {
        let entries = load_word_list(path)?;
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        dictionaries.push((format!("jieba + {name}"), jieba_with(&entries, true)));
        dictionaries.push((format!("{name} alone"), jieba_with(&entries, false)));
    }

    println!("| corpus | segmenter | setting | dictionary | P | R | F1 | MB/s |");
    println!("| --- | --- | --- | --- | ---: | ---: | ---: | ---: |");
    for corpus in &corpora {
        for (dict_label, jieba) in &dictionaries {
            let bare = SegmentConfig { fold_width: false, join_dates: false, ..SegmentConfig::default() };
            let jieba_settings: [(&str, SegmentConfig); 6] = [
                ("HMM on (default)", SegmentConfig::default()),
                ("HMM off", SegmentConfig { hmm: false, ..SegmentConfig::default() }),
                ("HMM on, dates not joined", SegmentConfig { join_dates: false, ..SegmentConfig::default() }),
                ("HMM on, no width folding", SegmentConfig { fold_width: false, ..SegmentConfig::default() }),
                ("HMM on, as bare jieba", bare.clone()),
                ("HMM off, as bare jieba", SegmentConfig { hmm: false, ..bare }),
            ];
            for (setting, config) in jieba_settings {
                let stage = Segment::with_jieba(jieba.clone(), &config);
                report(corpus, "segment", setting, dict_label, |line| spans(line, stage.segment(line).1));
            }
            for (setting, direction) in [
                ("bidirectional", Direction::Bidirectional),
                ("forward", Direction::Forward),
                ("backward", Direction::Backward),
            ] {
                let stage =
                    MaxMatch::with_jieba(jieba.clone(), &MaxMatchConfig { direction, ..MaxMatchConfig::default() });
                report(corpus, "segment-mm", setting, dict_label, |line| spans(line, stage.segment(line).1));
            }
        }
        if let Some((_, f1)) = PUBLISHED.iter().find(|(name, _)| *name == corpus.name) {
            println!("| {} | jieba (published) | HMM on | jieba | | | {f1:.3} | |", corpus.name);
        }
    }
    Ok(())
}

fn report(
    corpus: &Corpus,
    segmenter: &str,
    setting: &str,
    dictionary: &str,
    segment: impl Fn(&str) -> Vec<(usize, usize)>,
) {
    let started = Instant::now();
    let mut predicted = Vec::with_capacity(corpus.gold.len());
    let mut offset = 0;
    for line in &corpus.lines {
        predicted.extend(segment(line).into_iter().map(|(s, e)| (offset + s, offset + e)));
        offset += line.chars().filter(|c| !c.is_whitespace()).count();
    }
    let elapsed = started.elapsed();
    let score =
        Counts { correct: matching(&corpus.gold, &predicted), predicted: predicted.len(), gold: corpus.gold.len() };
    let mb_per_s = corpus.bytes as f64 / 1e6 / elapsed.as_secs_f64();
    println!(
        "| {} | {segmenter} | {setting} | {dictionary} | {:.3} | {:.3} | {:.3} | {mb_per_s:.1} |",
        corpus.name,
        score.precision(),
        score.recall(),
        score.f1()
    );
}

/// How many spans the two lists share; both are sorted and non-overlapping, so equal spans are
/// counted by merging.
fn matching(gold: &[(usize, usize)], predicted: &[(usize, usize)]) -> usize {
    let (mut i, mut j, mut correct) = (0, 0, 0);
    while i < gold.len() && j < predicted.len() {
        match gold[i].cmp(&predicted[j]) {
            std::cmp::Ordering::Equal => {
                correct += 1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    correct
}

/// Token spans as character positions over the line with its whitespace removed, which is
/// what the gold words concatenate to.
fn spans(line: &str, tokens: Vec<zhpipe_core::Token>) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut chars = 0;
    let mut at = 0;
    for token in tokens {
        chars += line[at..token.span.start].chars().filter(|c| !c.is_whitespace()).count();
        let len = line[token.span.range()].chars().count();
        out.push((chars, chars + len));
        chars += len;
        at = token.span.end;
    }
    out
}

fn load_corpus(dir: &Path, name: &str) -> Result<Corpus> {
    let test = read_text(&dir.join("testing").join(format!("{name}_test.utf8")))?;
    let gold_text = read_text(&dir.join("gold").join(format!("{name}_test_gold.utf8")))?;
    let lines: Vec<String> = test.lines().map(|l| l.trim_start_matches('\u{feff}').to_owned()).collect();
    let mut gold = Vec::new();
    let mut at = 0;
    for word in gold_text.trim_start_matches('\u{feff}').split_whitespace() {
        let len = word.chars().count();
        gold.push((at, at + len));
        at += len;
    }
    let bare_test = lines.iter().flat_map(|l| l.chars()).filter(|c| !c.is_whitespace());
    let bare_gold = gold_text.trim_start_matches('\u{feff}').chars().filter(|c| !c.is_whitespace());
    if let Some(n) = bare_test.zip(bare_gold).position(|(t, g)| t != g) {
        return Err(format!("{name}: the test and gold files differ at character {n}"));
    }
    let chars = lines.iter().map(|l| l.chars().filter(|c| !c.is_whitespace()).count()).sum();
    if chars != at {
        return Err(format!("{name}: the test file has {chars} characters, the gold file {at}"));
    }
    let bytes = lines.iter().map(String::len).sum();
    Ok(Corpus { name: name.to_owned(), lines, gold, chars, bytes })
}

/// A bakeoff word list (one word a line) or a jieba dictionary: the first field of each line
/// is the word; words without a frequency get jieba's suggested one. Numbers are words there
/// (`２６．３％` in PKU's list), so the list is not read as a user dictionary.
fn load_word_list(path: &Path) -> Result<Vec<dictionary::Entry>> {
    let text = read_text(path)?;
    dictionary::parse_word_list(&text, &path.display().to_string()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_counts_equal_spans() {
        assert_eq!(matching(&[(0, 2), (2, 4), (4, 5)], &[(0, 2), (2, 3), (3, 5)]), 1);
        assert_eq!(matching(&[(0, 1)], &[]), 0);
    }
}
