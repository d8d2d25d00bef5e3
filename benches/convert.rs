//! The convert stage: Traditional → Simplified (t2s) throughput of each backend on the same
//! Traditional text, and the time to build a profile.
//!
//! The Traditional text is the benchmark corpus converted s2t once by the native backend,
//! outside the timed loop. Run with `cargo xtask bench convert`; with the system OpenCC backend
//! too: `cargo bench -p zhpipe-benches --bench convert --features opencc` (see the
//! zhpipe-convert crate documentation for the build environment it needs).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zhpipe_convert::{ConvertConfig, ConvertStage, Converter, Detect, Profile};
use zhpipe_core::{Document, Stage};

fn traditional_corpus() -> (String, String) {
    let (simplified, label) = zhpipe_benches::corpus(1 << 20);
    let s2t = Converter::build(Profile::S2t, false).expect("s2t builds");
    (s2t.convert(&simplified), label)
}

fn throughput(c: &mut Criterion) {
    let (text, label) = traditional_corpus();
    let native = Converter::build(Profile::T2s, false).expect("t2s builds");
    let expected = native.convert(&text);
    eprintln!("convert: {} bytes of Traditional text from {label}", text.len());

    let mut group = c.benchmark_group("convert");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));

    group.bench_function("native/t2s", |b| {
        b.iter(|| {
            let out = native.convert(black_box(&text));
            assert_eq!(out.len(), expected.len());
            out
        })
    });

    let stage = ConvertStage::new(ConvertConfig { detect: Detect::Paragraph, ..ConvertConfig::default() })
        .expect("stage builds");
    group.bench_function("native/t2s-stage", |b| {
        b.iter(|| {
            let mut doc = Document::from_text("bench", black_box(text.clone()));
            stage.process(&mut doc).expect("converts");
            assert_eq!(doc.text.len(), expected.len());
            doc
        })
    });

    #[cfg(feature = "opencc")]
    {
        let system = ConvertStage::new(ConvertConfig {
            backend: zhpipe_convert::Backend::Opencc,
            detect: Detect::Off,
            ..ConvertConfig::default()
        })
        .expect("the system OpenCC opens");
        let system_expected = system.convert(&text).0;
        let differing = expected.chars().zip(system_expected.chars()).filter(|(a, b)| a != b).count();
        eprintln!("convert: the backends differ on {differing} characters");
        group.bench_function("opencc/t2s", |b| {
            b.iter(|| {
                let (out, _) = system.convert(black_box(&text));
                assert_eq!(out.len(), system_expected.len());
                out
            })
        });
    }
    group.finish();
}

fn build(c: &mut Criterion) {
    let mut group = c.benchmark_group("convert-build");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    for profile in [Profile::T2s, Profile::Tw2sp, Profile::S2t, Profile::S2twp] {
        group.bench_function(profile.name(), |b| {
            b.iter(|| Converter::build(black_box(profile), false).expect("builds"))
        });
    }
    group.finish();
}

criterion_group!(benches, throughput, build);
criterion_main!(benches);
