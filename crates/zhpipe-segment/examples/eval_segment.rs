//! `cargo xtask eval segment DIR [--user-dict FILE] [--corpus NAME]...`
//!
//! Scores both segmenters against the SIGHAN 2005 bakeoff gold standards in DIR (the
//! `icwb2-data` layout: `testing/<corpus>_test.utf8` and `gold/<corpus>_test_gold.utf8`; the
//! data is for research use only, so it is read from where it lies and never copied). Scoring
//! follows the bakeoff's `score` script: a word is correct when its span over the line's
//! characters is a gold word's span; precision, recall and F1 over all words.
//!
//! With `--user-dict FILE` (a word list or a jieba dictionary, e.g. the bakeoff's
//! `gold/pku_training_words.utf8`), every setting is scored again with that list loaded on top
//! of jieba's dictionary, and again with that list alone as the vocabulary
//! (`jieba_dictionary = false`): what a user gets by adapting zhpipe to their own corpus's
//! standard.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use jieba_rs::Jieba;
use zhpipe_segment::{Direction, MaxMatch, MaxMatchConfig, Segment, SegmentConfig, dictionary, jieba_with};

/// Published F1 of jieba on the same sets (howl-anderson/Chinese_tokenizer_benchmark).
const PUBLISHED: &[(&str, f64)] = &[("pku", 0.818), ("msr", 0.815)];

const USAGE: &str = "usage: cargo xtask eval segment ICWB2_DIR [--user-dict FILE] [--corpus pku|msr]...";

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

#[derive(Default)]
struct Score {
    gold: usize,
    predicted: usize,
    correct: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        self.correct as f64 / self.predicted.max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.correct as f64 / self.gold.max(1) as f64
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("eval segment: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut user_dicts: Vec<PathBuf> = Vec::new();
    let mut corpora: Vec<String> = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--user-dict" => user_dicts.push(args.next().ok_or(USAGE)?.into()),
            "--corpus" => corpora.push(args.next().ok_or(USAGE)?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ if dir.is_none() && !arg.starts_with('-') => dir = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`\n{USAGE}")),
        }
    }
    let dir = dir.ok_or(USAGE)?;
    if corpora.is_empty() {
        corpora = vec!["pku".into(), "msr".into()];
    }
    let corpora = corpora.iter().map(|name| load_corpus(&dir, name)).collect::<Result<Vec<_>, _>>()?;
    for corpus in &corpora {
        eprintln!("{}: {} lines, {} characters", corpus.name, corpus.lines.len(), corpus.chars);
    }

    let mut dictionaries: Vec<(String, Jieba)> = vec![("jieba".into(), Jieba::new())];
    for path in &user_dicts {
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
    let gold = &corpus.gold;
    let mut score = Score { gold: gold.len(), predicted: predicted.len(), correct: 0 };
    // Both are sorted and non-overlapping: count equal spans by merging.
    let (mut i, mut j) = (0, 0);
    while i < gold.len() && j < predicted.len() {
        match gold[i].cmp(&predicted[j]) {
            std::cmp::Ordering::Equal => {
                score.correct += 1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    let mb_per_s = corpus.bytes as f64 / 1e6 / elapsed.as_secs_f64();
    println!(
        "| {} | {segmenter} | {setting} | {dictionary} | {:.3} | {:.3} | {:.3} | {mb_per_s:.1} |",
        corpus.name,
        score.precision(),
        score.recall(),
        score.f1()
    );
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

fn load_corpus(dir: &Path, name: &str) -> Result<Corpus, String> {
    let read = |path: PathBuf| std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()));
    let test = read(dir.join("testing").join(format!("{name}_test.utf8")))?;
    let gold_text = read(dir.join("gold").join(format!("{name}_test_gold.utf8")))?;
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
/// is the word; words without a frequency get jieba's suggested one.
fn load_word_list(path: &Path) -> Result<Vec<dictionary::Entry>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    dictionary::parse(&text, &path.display().to_string()).map_err(|e| e.to_string())
}
