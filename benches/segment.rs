//! Segmentation throughput: the `segment` stage (sentences, spans, tags) beside bare
//! `Jieba::cut` and `Jieba::tag` on the same text, with the HMM on and off, and the
//! maximum-matching stage. The stage should run at no less than 90% of bare `cut`.
//!
//! The text is cut into documents of about 8 KiB at line ends, the size of a news article, and
//! the stage processes them one by one as a pipeline does. (One 1 MiB document would time the
//! page faults of its 8 MB of tokens, which no real document has.) Rows, for `hmm` and `no-hmm`:
//! - `jieba-cut`, `jieba-tag`: one call over the whole text, the textbook use. Its 12 MB result
//!   vector (1 MiB of text) costs page faults of its own.
//! - `jieba-cut-docs`: one `cut` call per document: the baseline the stage is held to.
//! - `stage-untagged`: the stage with `tags = false`.
//! - `stage`: the stage as configured by default, tags on. Its memo of tagged words lives as
//!   long as the stage, so from the second iteration on every word is known: the steady state
//!   of a long run.
//! - `stage-cold`: the same with a new stage, and so an empty memo, for every iteration: a
//!   first pass over the corpus. On the bundled samples (48 KB, repeated to 1 MiB) the memo is
//!   full after the first copy; a corpus with a larger vocabulary (`ZHPIPE_BENCH_CORPUS=dir`)
//!   shows the real cost of filling it.
//!
//! `cargo xtask bench segment`; `ZHPIPE_BENCH_CORPUS=dir` for another corpus.

use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
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

    let docs = zhpipe_benches::documents(&text, DOC_BYTES);
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
        let doc_words: usize = docs.iter().map(|doc| jieba.cut(doc, hmm).len()).sum();
        group.bench_function(format!("jieba-cut-docs/{setting}"), |b| {
            b.iter(|| {
                let n: usize = black_box(&docs).iter().map(|doc| jieba.cut(doc, hmm).len()).sum();
                assert_eq!(n, doc_words);
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
        let plain_tokens: Vec<(usize, usize, String)> = plain
            .segment(&text)
            .1
            .iter()
            .map(|t| (t.span.start, t.span.end, t.pos.map(|p| p.to_string()).unwrap_or_default()))
            .collect();
        let jieba_tokens: Vec<(usize, usize, String)> = tagged
            .iter()
            .filter(|t| !t.word.starts_with(char::is_whitespace))
            .map(|t| (t.byte_start, t.byte_end, t.tag.to_owned()))
            .collect();
        assert!(plain_tokens == jieba_tokens, "the stage and bare jieba disagree");

        let config = SegmentConfig { hmm, ..SegmentConfig::default() };
        let untagged = Segment::with_jieba(jieba.clone(), &SegmentConfig { tags: false, ..config.clone() });
        let count = tokens(&untagged, &docs);
        bench_stage(&mut group, &format!("stage-untagged/{setting}"), &untagged, &docs, count);
        let stage = Segment::with_jieba(jieba.clone(), &config);
        bench_stage(&mut group, &format!("stage/{setting}"), &stage, &docs, count);
        group.bench_function(format!("stage-cold/{setting}"), |b| {
            b.iter_batched(
                || Segment::with_jieba(jieba.clone(), &config),
                |stage| {
                    assert_eq!(tokens(&stage, black_box(&docs)), count);
                    // The stage, and its memo, go with the output, untimed.
                    stage
                },
                BatchSize::PerIteration,
            )
        });
    }
    let mm = MaxMatch::with_jieba(jieba.clone(), &MaxMatchConfig::default());
    let count = tokens(&mm, &docs);
    bench_stage(&mut group, "stage-mm/bidirectional", &mm, &docs, count);
    group.finish();
}

/// The size of a news article: documents are cut at the first line end past it.
const DOC_BYTES: usize = 8 << 10;

/// Runs `stage` over each of `docs` as a document of its own and counts their tokens; each
/// document is dropped before the next, as in a pipeline. Making the document (a copy of 8 KiB)
/// is timed with the stage: well under 1% of segmenting it.
fn tokens(stage: &dyn Stage, docs: &[String]) -> usize {
    docs.iter()
        .map(|text| {
            let mut doc = Document::from_text("bench", text.as_str());
            stage.process(&mut doc).unwrap();
            doc.tokens.len()
        })
        .sum()
}

fn bench_stage(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, stage: &dyn Stage, docs: &[String], count: usize) {
    group.bench_function(name, |b| b.iter(|| assert_eq!(tokens(stage, black_box(docs)), count)));
}

criterion_group!(benches, bench);
criterion_main!(benches);
