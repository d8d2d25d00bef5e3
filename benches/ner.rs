//! The `ner` stage beside the `segment` stage on the same text, in one criterion run: the ner
//! stage is held to at least the segment stage's throughput.
//!
//! The text is cut into documents of about 8 KiB at line ends, as in the segment bench. Rows:
//! - `segment`: the segment stage (jieba with the domain dictionary, tags on) on fresh documents;
//! - `ner`: the ner stage on documents that segment and the gazetteer already processed (made
//!   once, outside the timed loop; each iteration works on a copy made outside the timing), the
//!   tagger and the merge into the mention layer;
//! - `ner-tagger`: the tagger alone (features, scores, Viterbi), without the merge.
//!
//! The stages are the repository's `pipeline.toml` entries. `cargo xtask bench ner`;
//! `ZHPIPE_BENCH_CORPUS=dir` for another corpus.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use zhpipe_core::{Document, PipelineConfig, Registry, Stage};
use zhpipe_ner::Ner;

const DOC_BYTES: usize = 8 * 1024;

fn stage(config: &PipelineConfig, registry: &Registry, name: &str) -> Box<dyn Stage> {
    let entry = config.stages.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("no {name} in pipeline.toml"));
    registry.build(entry, &config.base_dir()).unwrap_or_else(|e| panic!("{e}"))
}

fn bench(c: &mut Criterion) {
    let (text, label) = zhpipe_benches::corpus(1 << 20);
    let docs = zhpipe_benches::documents(&text, DOC_BYTES);
    let path = zhpipe_benches::repo_root().join("pipeline.toml");
    let config = PipelineConfig::parse(&std::fs::read_to_string(&path).expect("pipeline.toml"), &path).unwrap();
    let mut registry = Registry::new();
    zhpipe_segment::register(&mut registry);
    zhpipe_gazetteer::register(&mut registry);
    let (segment, gazetteer) = (stage(&config, &registry, "segment"), stage(&config, &registry, "gazetteer"));
    let ner_entry = config.stages.iter().find(|e| e.name == "ner").expect("no ner in pipeline.toml");
    let model = ner_entry.table.get("model").and_then(|v| v.as_str()).expect("the ner entry names its model");
    let model = zhpipe_ner::Model::load(&config.base_dir().join(model)).unwrap_or_else(|e| panic!("{e}"));
    let ner = Ner::new(model, false);

    let fresh = || -> Vec<Document> { docs.iter().map(|d| Document::from_text("bench", d.clone())).collect() };
    let prepared: Vec<Document> = fresh()
        .into_iter()
        .map(|mut doc| {
            for stage in [&segment, &gazetteer] {
                stage.process(&mut doc).expect("processes");
                doc.mark_filled(stage.descriptor().provides);
            }
            doc
        })
        .collect();
    let names: usize = prepared.iter().map(|d| ner.find(d).len()).sum();
    assert!(names > docs.len(), "only {names} names in {} documents of {label}", docs.len());

    let mut group = c.benchmark_group(format!("ner ({label})"));
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(6));
    group.bench_function("segment", |b| {
        b.iter_batched(
            fresh,
            |mut docs| {
                for doc in &mut docs {
                    segment.process(doc).expect("segments");
                }
                docs
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("ner", |b| {
        b.iter_batched(
            || prepared.clone(),
            |mut docs| {
                for doc in &mut docs {
                    ner.process(doc).expect("tags");
                }
                docs
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("ner-tagger", |b| {
        b.iter(|| {
            let n: usize = black_box(&prepared).iter().map(|d| ner.find(d).len()).sum();
            assert_eq!(n, names);
            n
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
