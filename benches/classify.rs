//! Sentences per second of the classify stage's two models.
//!
//! The corpus is segmented once outside the timed loop (jieba, default dictionary); the loop
//! classifies every sentence. The trained model is `dictionaries/themes.model`. Each iteration
//! checks that more than a tenth of the sentences got a theme, so a fast wrong answer cannot pass.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zhpipe_classify::{Classifier, LexiconModel, SentenceView, Taxonomy, TrainedModel};
use zhpipe_core::{Document, Stage};
use zhpipe_segment::{Segment, SegmentConfig};

fn bench(c: &mut Criterion) {
    let (text, label) = zhpipe_benches::corpus(256 * 1024);
    let mut doc = Document::from_text("bench", text);
    Segment::new(&SegmentConfig::default()).expect("jieba builds").process(&mut doc).expect("segments");
    let views = SentenceView::of_document(&doc);
    let sentences = views.len();
    assert!(sentences > 100, "corpus {label} gives only {sentences} sentences");

    let model_path = zhpipe_benches::repo_root().join("dictionaries/themes.model");
    let models = [
        ("lexicon", Classifier::Lexicon(LexiconModel::new(Taxonomy::bundled()))),
        ("trained", Classifier::Trained(TrainedModel::load(&model_path).unwrap_or_else(|e| panic!("{e}")))),
    ];
    let mut group = c.benchmark_group(format!("classify/{label}"));
    group.throughput(Throughput::Elements(sentences as u64));
    group.sample_size(10).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    for (name, model) in &models {
        group.bench_function(*name, |b| {
            b.iter(|| {
                let mut themed = 0;
                for view in &views {
                    let labels = model.classify(black_box(view), false);
                    themed += usize::from(labels[0].label != "other");
                }
                assert!(themed * 10 > sentences, "{name}: only {themed} of {sentences} sentences got a theme");
                black_box(themed)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
