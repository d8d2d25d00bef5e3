//! Segmentation throughput: the `segment` stage (sentences, spans, tags) beside bare
//! `Jieba::cut` and `Jieba::tag` on the same text, with the HMM on and off, and the
//! maximum-matching stage. The stage should run at no less than 90% of bare `cut`.
//!
//! `cargo xtask bench segment`; `ZHPIPE_BENCH_CORPUS=dir` for another corpus.

use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
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
        let tagged = jieba.tag(&text, hmm).len();
        group.bench_function(format!("jieba-tag/{setting}"), |b| {
            b.iter(|| {
                let n = jieba.tag(black_box(&text), hmm).len();
                assert_eq!(n, tagged);
                n
            })
        });
        // Without its own additions the stage gives jieba's words less whitespace: sentence
        // boundaries never cut a word.
        let plain = Segment::with_jieba(
            jieba.clone(),
            &SegmentConfig { hmm, fold_width: false, join_dates: false, ..SegmentConfig::default() },
        );
        let spaces = jieba.cut(&text, hmm).iter().filter(|t| t.word.starts_with(char::is_whitespace)).count();
        assert_eq!(plain.segment(&text).1.len(), words - spaces, "the stage and bare jieba disagree");
        for tags in [true, false] {
            let stage = Segment::with_jieba(jieba.clone(), &SegmentConfig { hmm, tags, ..SegmentConfig::default() });
            let (_, tokens) = stage.segment(&text);
            let name = if tags { format!("stage/{setting}") } else { format!("stage-untagged/{setting}") };
            bench_stage(&mut group, &name, &stage, &text, tokens.len());
        }
    }
    let mm = MaxMatch::with_jieba(jieba.clone(), &MaxMatchConfig::default());
    let (_, tokens) = mm.segment(&text);
    bench_stage(&mut group, "stage-mm/bidirectional", &mm, &text, tokens.len());
    group.finish();
}

fn bench_stage(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    stage: &dyn Stage,
    text: &str,
    tokens: usize,
) {
    group.bench_function(name, |b| {
        b.iter_batched(
            || Document::from_text("bench", text),
            |mut doc| {
                stage.process(black_box(&mut doc)).unwrap();
                assert_eq!(doc.tokens.len(), tokens);
                doc
            },
            BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
