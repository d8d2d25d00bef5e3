//! Segmentation throughput: the `segment` stage (sentences, spans, tags) beside bare
//! `Jieba::cut` and `Jieba::tag` on the same text, with the HMM on and off, and the
//! maximum-matching stage. The stage should run at no less than 90% of bare `cut`.
//!
//! Rows, for `hmm` and `no-hmm`:
//! - `jieba-cut`, `jieba-tag`: one call over the whole text.
//! - `jieba-cut-lines`: one `cut` call per line, so that no result vector outgrows the cache
//!   (a whole-text `cut` of 1 MiB builds a 12 MB vector): the stricter baseline.
//! - `stage-untagged`: the stage with `tags = false`.
//! - `stage`: the stage as configured by default, tags on. Its memo of tagged words lives as
//!   long as the stage, so from the second iteration on every word is known: this is the
//!   steady state of a long run.
//! - `stage-cold`: the same with a new stage, and so an empty memo, for every iteration: the
//!   first pass over a corpus. On the bundled samples (48 KB, repeated to 1 MiB) the memo is
//!   full after the first copy; a corpus with a larger vocabulary
//!   (`ZHPIPE_BENCH_CORPUS=dir`) shows the real cost of filling it.
//!
//! `cargo xtask bench segment`; `ZHPIPE_BENCH_CORPUS=dir` for another corpus.

use std::time::Duration;

use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime};
use jieba_rs::Jieba;
use std::hint::black_box;
use zhpipe_core::{Document, Stage};
use zhpipe_segment::{MaxMatch, MaxMatchConfig, Segment, SegmentConfig};

fn bench(c: &mut Criterion) {
    let (text, label) = zhpipe_benches::corpus(1 << 20);
    let jieba = Jieba::new();
    let mut group = c.benchmark_group(format!("segment ({label})"));
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));

    for hmm in [true, false] {
        let setting = if hmm { "hmm" } else { "no-hmm" };
        let words = jieba.cut(&text, hmm).len();
        group.bench_function(format!("jieba-cut/{setting}"), |b| {
            b.iter(|| {
                let n = jieba.cut(black_box(&text), hmm).len();
                assert_eq!(n, words);
                n
            })
        });
        let line_words: usize = text.lines().map(|line| jieba.cut(line, hmm).len()).sum();
        group.bench_function(format!("jieba-cut-lines/{setting}"), |b| {
            b.iter(|| {
                let n: usize = black_box(&text).lines().map(|line| jieba.cut(line, hmm).len()).sum();
                assert_eq!(n, line_words);
                n
            })
        });
        let tagged = jieba.tag(&text, hmm);
        group.bench_function(format!("jieba-tag/{setting}"), |b| {
            b.iter(|| {
                let n = jieba.tag(black_box(&text), hmm).len();
                assert_eq!(n, tagged.len());
                n
            })
        });
        // Without its own additions the stage gives jieba's words and tags less whitespace:
        // sentence boundaries never cut a word, and the memo's tags are jieba's.
        let plain = Segment::with_jieba(
            jieba.clone(),
            &SegmentConfig { hmm, fold_width: false, join_dates: false, ..SegmentConfig::default() },
        );
        let plain_tokens: Vec<(usize, usize, String)> =
            plain.segment(&text).1.iter().map(|t| (t.span.start, t.span.end, t.pos.map(|p| p.to_string()).unwrap_or_default())).collect();
        let jieba_tokens: Vec<(usize, usize, String)> = tagged
            .iter()
            .filter(|t| !t.word.starts_with(char::is_whitespace))
            .map(|t| (t.byte_start, t.byte_end, t.tag.to_owned()))
            .collect();
        assert!(plain_tokens == jieba_tokens, "the stage and bare jieba disagree");

        let config = SegmentConfig { hmm, ..SegmentConfig::default() };
        let untagged = Segment::with_jieba(jieba.clone(), &SegmentConfig { tags: false, ..config.clone() });
        let count = untagged.segment(&text).1.len();
        bench_stage(&mut group, &format!("stage-untagged/{setting}"), &untagged, &text, count);
        let stage = Segment::with_jieba(jieba.clone(), &config);
        bench_stage(&mut group, &format!("stage/{setting}"), &stage, &text, count);
        group.bench_function(format!("stage-cold/{setting}"), |b| {
            b.iter_batched(
                || (Segment::with_jieba(jieba.clone(), &config), Document::from_text("bench", &text)),
                |(stage, mut doc)| {
                    stage.process(black_box(&mut doc)).unwrap();
                    assert_eq!(doc.tokens.len(), count);
                    // The stage, and its memo, go with the output, untimed.
                    stage
                },
                BatchSize::PerIteration,
            )
        });
    }
    let mm = MaxMatch::with_jieba(jieba.clone(), &MaxMatchConfig::default());
    let (_, tokens) = mm.segment(&text);
    bench_stage(&mut group, "stage-mm/bidirectional", &mm, &text, tokens.len());
    group.finish();
}

/// Each document is dropped inside the timed routine, as the bare `cut` rows drop their
/// results: a batch of live documents would each need fresh memory for their tokens, and the
/// page faults would be timed as the stage's cost.
fn bench_stage(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, stage: &dyn Stage, text: &str, tokens: usize) {
    group.bench_function(name, |b| {
        b.iter_batched(
            || Document::from_text("bench", text),
            |mut doc| {
                stage.process(black_box(&mut doc)).unwrap();
                assert_eq!(doc.tokens.len(), tokens);
            },
            BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
