//! The gazetteer, the hot path: both engines at about 2,000, 50,000 and 350,000 patterns, the
//! stage (engine + mention building) beside its bare engine, a memchr byte count over the same
//! text as the memory-speed reference, and the build and load times of the compiled form. One
//! group, so that ratios are read from one run.
//!
//! - Text: at least 10 MB from `zhpipe_benches::corpus` (`ZHPIPE_BENCH_CORPUS`, the samples
//!   otherwise), cut to 10 MB and into documents of about 10 kB at line boundaries.
//! - Patterns: the repository's dictionaries (the ~2,000 set keeps provinces, prefectures,
//!   Beijing–Tianjin–Hebei counties, regions, zones, countries, organisations, people and
//!   policy terms; `default` is all of them, ~10,000 surfaces, as the default pipeline uses
//!   them), filled up to 50,000 and 350,000 with the words of the list in `ZHPIPE_BENCH_WORDS` (one
//!   word first on each line, e.g. jieba's `dict.txt`, 349,046 words) or, without it, with the
//!   corpus's own two- to four-character Han n-grams and then pairs of dictionary surfaces.
//!
//! The bare engine reads what a match reports, its span and value, and folds them into a
//! checksum: counting matches alone lets the compiler skip reading the values, which at 350k
//! patterns is about a fifth of the engine's time and part of the work the stage needs done.
//! Counts and checksums are asserted inside the timed loops: each engine must find what the
//! other found.
//!
//! Beside criterion's rows, the bench prints each stage/engine ratio as the ratio of the fastest
//! of 15 alternate runs of each (`gazetteer bench: daachorse/50k: stage/bare 93% …`): the
//! machine these numbers come from is shared, and two means taken seconds apart under a
//! changing load can put the stage ahead of its own engine. Alternating with them, the bare
//! engine storing every match as a plain 24-byte record in a vector of each document's, made and
//! dropped in the timed part (`stored/bare`), bounds what any stage writing mentions can reach.
//!
//! The stage is timed whole, as a run pays for it: each document's mention layer is made, filled
//! and dropped inside the timed part. A mention is 24 bytes of plain data (a span, a table
//! index and an entry index); the layer holds the entry table once. With the 350k set nearly
//! every word of the text is a mention, and storing them is the part of the stage the engine
//! does not do.

use std::collections::HashSet;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use zhpipe_core::{Document, Stage};
use zhpipe_gazetteer::{AhoCorasickKind, CompileOptions, EngineKind, Gazetteer, GazetteerStage, Source, cache_key};

const TEXT_BYTES: usize = 10 << 20;
const SIZES: [(&str, usize); 3] = [("2k", 2_000), ("50k", 50_000), ("350k", 350_000)];

fn engines() -> [(&'static str, CompileOptions); 2] {
    let base = CompileOptions::default();
    [
        ("daachorse", CompileOptions { engine: EngineKind::Daachorse, ..base }),
        (
            "aho-corasick",
            CompileOptions {
                engine: EngineKind::AhoCorasick,
                aho_corasick_kind: AhoCorasickKind::NfaContiguous,
                ..base
            },
        ),
    ]
}

/// Documents of about 10 kB making up the first `TEXT_BYTES` of the corpus, cut at a line end.
fn documents() -> (Vec<Document>, String) {
    let (text, label) = zhpipe_benches::corpus(TEXT_BYTES);
    let end = text[..TEXT_BYTES.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let docs = zhpipe_benches::documents(&text[..end], 10_000);
    (docs.into_iter().map(|doc| Document::from_text("bench", doc)).collect(), label)
}

fn repo_sources() -> Vec<Source> {
    ["places", "organisations", "people", "policy-terms"]
        .iter()
        .map(|name| {
            let path = zhpipe_benches::repo_root().join(format!("dictionaries/{name}.tsv"));
            Source::read(&path).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// The repository's dictionaries without towns and counties outside Beijing–Tianjin–Hebei.
fn domain_sources(repo: &[Source]) -> Vec<Source> {
    repo.iter()
        .map(|source| {
            let text: String = source
                .text
                .lines()
                .filter(|line| {
                    let fields: Vec<&str> = line.split('\t').collect();
                    match fields.get(2) {
                        Some(&"town") => false,
                        Some(&"county") => {
                            ["place:11", "place:12", "place:13"].iter().any(|p| fields[1].starts_with(p))
                        }
                        _ => true,
                    }
                })
                .map(|line| format!("{line}\n"))
                .collect();
            Source { text, ..source.clone() }
        })
        .collect()
}

/// Extra words: `ZHPIPE_BENCH_WORDS` or the corpus's Han n-grams, without the dictionaries'
/// surfaces.
fn extra_words(docs: &[Document], taken: &HashSet<String>) -> (Vec<String>, String) {
    let mut seen = taken.clone();
    let mut words = Vec::new();
    if let Some(path) = std::env::var_os("ZHPIPE_BENCH_WORDS") {
        let path = PathBuf::from(path);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for word in text.lines().filter_map(|l| l.split_whitespace().next()) {
            if seen.insert(word.to_owned()) {
                words.push(word.to_owned());
            }
        }
        return (words, path.display().to_string());
    }
    let is_han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    'docs: for doc in docs {
        let chars: Vec<char> = doc.text.chars().collect();
        for len in [2, 3, 4] {
            for window in chars.windows(len) {
                if window.iter().all(|&c| is_han(c)) {
                    let word: String = window.iter().collect();
                    if seen.insert(word.clone()) {
                        words.push(word);
                        if words.len() >= 400_000 {
                            break 'docs;
                        }
                    }
                }
            }
        }
    }
    // The samples alone hold some ten thousand n-grams: make up the rest from pairs of
    // dictionary surfaces (天津和平区, 北京雄安新区 …), in a fixed order.
    let mut surfaces: Vec<&String> = taken.iter().collect();
    surfaces.sort();
    'pairs: for a in &surfaces {
        for b in &surfaces {
            let word = format!("{a}{b}");
            if seen.insert(word.clone()) {
                words.push(word);
                if words.len() >= 400_000 {
                    break 'pairs;
                }
            }
        }
    }
    (words, "the corpus's Han n-grams, then pairs of dictionary surfaces".to_owned())
}

/// A dictionary of `count` words spread evenly over `words`.
fn words_source(words: &[String], count: usize) -> Source {
    let step = (words.len() as f64 / count.max(1) as f64).max(1.0);
    let mut text = String::from("surface\tid\tkind\n");
    let mut i = 0.0;
    let mut n = 0;
    while (i as usize) < words.len() && n < count {
        let word = &words[i as usize];
        text.push_str(&format!("{word}\tword:{n}\tword\n"));
        i += step;
        n += 1;
    }
    Source::from_text("words", text)
}

fn pattern_sets(docs: &[Document]) -> Vec<(&'static str, Vec<Source>)> {
    let repo = repo_sources();
    let surfaces: HashSet<String> = zhpipe_gazetteer::Dictionaries::parse(&repo)
        .expect("repository dictionaries")
        .patterns
        .into_iter()
        .map(|p| p.surface)
        .collect();
    let (words, words_label) = extra_words(docs, &surfaces);
    eprintln!("gazetteer bench: extra words from {words_label} ({} words)", words.len());
    let mut sets: Vec<(&'static str, Vec<Source>)> = SIZES
        .iter()
        .map(|&(label, target)| {
            let sources = if target <= 2_000 {
                domain_sources(&repo)
            } else {
                let mut sources = repo.clone();
                sources.push(words_source(&words, target.saturating_sub(surfaces.len())));
                sources
            };
            (label, sources)
        })
        .collect();
    // The shipped dictionaries as the default pipeline uses them, between the 2k and 50k sets.
    sets.insert(1, ("default", repo));
    sets
}

fn bench(c: &mut Criterion) {
    let (mut docs, label) = documents();
    let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
    eprintln!("gazetteer bench: {} documents, {:.1} MB from {label}", docs.len(), bytes as f64 / 1e6);
    let sets = pattern_sets(&docs);

    let mut group = c.benchmark_group("gazetteer");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes(bytes));

    let newlines: usize = docs.iter().map(|d| d.text.bytes().filter(|&b| b == b'\n').count()).sum();
    group.bench_function("memchr-count-newlines", |b| {
        b.iter(|| {
            let n: usize = docs.iter().map(|d| memchr::memchr_iter(b'\n', black_box(d.text.as_bytes())).count()).sum();
            assert_eq!(n, newlines);
            n
        })
    });

    for (size, sources) in &sets {
        let mut expected: Option<((usize, u64), usize)> = None;
        for (engine, options) in engines() {
            let gazetteer = Gazetteer::from_sources(sources, options).unwrap_or_else(|e| panic!("{e}"));
            let patterns = gazetteer.pattern_count();
            let stage = GazetteerStage::new(gazetteer);
            // The other engine's counts are the expected ones: both must find the same.
            let matches = bare_scan_all(stage.gazetteer(), &docs);
            let mentions = stage_count(&stage, &mut docs);
            let (matches, mentions) = *expected.get_or_insert((matches, mentions));
            eprintln!("gazetteer bench: {size} = {patterns} patterns; {} matches, {mentions} mentions", matches.0);
            let [bare, stored, staged] = interleaved_minima(&stage, &mut docs, matches, mentions);
            let percent = |t: Duration| 100.0 * bare.as_secs_f64() / t.as_secs_f64();
            eprintln!(
                "gazetteer bench: {engine}/{size}: stage/bare {:.0}%, stored/bare {:.0}% (bare \
                 {:.1} ms, stored {:.1} ms, stage {:.1} ms, fastest of {ROUNDS} alternate runs)",
                percent(staged),
                percent(stored),
                bare.as_secs_f64() * 1e3,
                stored.as_secs_f64() * 1e3,
                staged.as_secs_f64() * 1e3
            );
            group.throughput(Throughput::Bytes(bytes));
            group.bench_function(BenchmarkId::new(format!("{engine}/bare"), size), |b| {
                b.iter(|| {
                    let scan = bare_scan_all(stage.gazetteer(), black_box(&docs));
                    assert_eq!(scan, matches);
                    scan
                })
            });
            // Documents enter the stage without mentions, as in the pipeline, and their mentions
            // are dropped in the timed part, as a run drops them after writing the record.
            group.bench_function(BenchmarkId::new(format!("{engine}/stage"), size), |b| {
                b.iter(|| {
                    let n = stage_count(&stage, black_box(&mut docs));
                    assert_eq!(n, mentions);
                    n
                })
            });
        }
    }

    // The other automata of aho-corasick, bare, to choose its default by measurement (a DFA of
    // the 350k set would take gigabytes).
    for (size, sources) in sets.iter().filter(|(size, _)| ["2k", "50k"].contains(size)) {
        for (name, kind) in [
            ("aho-corasick-dfa", AhoCorasickKind::Dfa),
            ("aho-corasick-nfa-noncontiguous", AhoCorasickKind::NfaNoncontiguous),
        ] {
            let options = CompileOptions {
                engine: EngineKind::AhoCorasick,
                aho_corasick_kind: kind,
                ..CompileOptions::default()
            };
            let gazetteer = Gazetteer::from_sources(sources, options).unwrap_or_else(|e| panic!("{e}"));
            let matches = bare_scan_all(&gazetteer, &docs);
            group.throughput(Throughput::Bytes(bytes));
            group.bench_function(BenchmarkId::new(format!("{name}/bare"), size), |b| {
                b.iter(|| {
                    let scan = bare_scan_all(&gazetteer, black_box(&docs));
                    assert_eq!(scan, matches);
                    scan
                })
            });
        }
    }

    // Build (parse, validate, compile) and load (the compiled form, from memory and through
    // `Gazetteer::open` with a cache hit, reading and hashing the dictionaries) of the largest
    // set, reported per pattern.
    let (_, large) = sets.last().expect("the 350k set");
    let dir = std::env::temp_dir().join(format!("zhpipe-bench-gazetteer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<PathBuf> = large
        .iter()
        .map(|s| {
            let path = dir.join(format!("{}.tsv", s.name));
            std::fs::write(&path, &s.text).unwrap();
            path
        })
        .collect();
    for (engine, options) in engines() {
        let built = Gazetteer::from_sources(large, options).unwrap();
        let patterns = built.pattern_count();
        let key = cache_key(large, &options);
        let compiled = built.to_bytes(key);
        eprintln!(
            "gazetteer bench: compiled {engine} form of {patterns} patterns: {:.1} MB",
            compiled.len() as f64 / 1e6
        );
        group.throughput(Throughput::Elements(patterns as u64));
        group.bench_function(BenchmarkId::new(format!("{engine}/build"), "350k"), |b| {
            b.iter(|| Gazetteer::from_sources(black_box(large), options).unwrap().pattern_count())
        });
        group.bench_function(BenchmarkId::new(format!("{engine}/load"), "350k"), |b| {
            b.iter(|| {
                let loaded = Gazetteer::from_bytes(black_box(&compiled), Some(key)).unwrap();
                assert_eq!(loaded.pattern_count(), patterns);
                loaded
            })
        });
        let cache = dir.join("cache");
        Gazetteer::open(&paths, options, Some(&cache)).unwrap();
        group.bench_function(BenchmarkId::new(format!("{engine}/open-cached"), "350k"), |b| {
            b.iter(|| {
                let (loaded, outcome) = Gazetteer::open(black_box(&paths), options, Some(&cache)).unwrap();
                assert!(matches!(outcome, zhpipe_gazetteer::CacheOutcome::Loaded(_)), "{outcome:?}");
                loaded
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The number of matches of the bare engine and a checksum of their spans and values (a sum,
/// so that the order of overlapping matches does not change it).
fn bare_scan_all(gazetteer: &Gazetteer, docs: &[Document]) -> (usize, u64) {
    let (mut n, mut sum) = (0, 0u64);
    for doc in docs {
        gazetteer.for_each_match(&doc.text, |start, end, value| {
            n += 1;
            sum = sum.wrapping_add(start as u64 ^ ((end as u64) << 24) ^ (u64::from(value) << 40));
        });
    }
    (n, sum)
}

/// Rounds of [`interleaved_minima`].
const ROUNDS: usize = 15;

/// The fastest runs over all documents of the bare engine, of the bare engine storing each
/// match as a plain 24-byte record (a span and the value, the size of a mention) into a vector
/// made and dropped per document, and of the stage, timed alternately: on a shared machine the load changes
/// between criterion's separate measurements, and a ratio of two minima taken side by side is
/// steadier than a ratio of two means taken seconds apart. The stored run is the bound on the
/// stage: what writing the mentions alone costs.
fn interleaved_minima(
    stage: &GazetteerStage,
    docs: &mut [Document],
    matches: (usize, u64),
    mentions: usize,
) -> [Duration; 3] {
    let mut fastest = [Duration::MAX; 3];
    for _ in 0..ROUNDS {
        let start = Instant::now();
        assert_eq!(bare_scan_all(stage.gazetteer(), black_box(docs)), matches);
        fastest[0] = fastest[0].min(start.elapsed());
        let start = Instant::now();
        let mut stored = 0;
        for doc in docs.iter() {
            let mut records: Vec<(zhpipe_core::Span, u32, u32)> = Vec::new();
            stage.gazetteer().for_each_match(black_box(&doc.text), |start, end, value| {
                records.push((zhpipe_core::Span::new(start, end), value, 0));
            });
            stored += black_box(&records).len();
        }
        fastest[1] = fastest[1].min(start.elapsed());
        assert_eq!(stored, matches.0);
        let start = Instant::now();
        assert_eq!(stage_count(stage, black_box(docs)), mentions);
        fastest[2] = fastest[2].min(start.elapsed());
    }
    fastest
}

/// Runs the stage over every document and drops the mentions it made: what a run pays.
fn stage_count(stage: &GazetteerStage, docs: &mut [Document]) -> usize {
    docs.iter_mut()
        .map(|doc| {
            stage.process(doc).expect("the gazetteer never fails");
            let mentions = std::mem::take(&mut doc.mentions);
            black_box(&mentions).len()
        })
        .sum()
}

criterion_group!(benches, bench);
criterion_main!(benches);
