//! The decode stage: throughput (MB/s of input bytes) on UTF-8, GB18030 and Big5 input, beside
//! the bare encoding_rs decoder on the same bytes, so that the cost of choosing the encoding
//! (declaration prescan, chardetng on a 64 KiB prefix, the mojibake probe) shows as a ratio.
//!
//! The input is the benchmark corpus (at least 1 MiB) encoded outside the timed loop: UTF-8 and
//! GB18030 as it is, Big5 after converting it to Traditional (zhpipe-convert, s2t) and dropping
//! the few characters Big5 still cannot represent.
//! `stage/gb18030-samples` decodes the five samples one document at a time, as the driver does.
//! Run with `cargo xtask bench decode`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use encoding_rs::{BIG5, Encoding, GB18030, UTF_8};
use zhpipe_convert::{Converter, Profile};
use zhpipe_decode::{Decode, DecodeConfig};

fn input(encoding: &'static Encoding, text: &str) -> (String, Vec<u8>) {
    let mut buffer = [0u8; 4];
    let text: String = if encoding == BIG5 {
        let traditional = Converter::build(Profile::S2t, false).expect("s2t builds").convert(text);
        traditional.chars().filter(|c| !BIG5.encode(c.encode_utf8(&mut buffer)).2).collect()
    } else {
        text.to_owned()
    };
    let (bytes, _, unmappable) = encoding.encode(&text);
    assert!(!unmappable);
    let bytes = bytes.into_owned();
    (text, bytes)
}

fn throughput(c: &mut Criterion) {
    let (corpus, label) = zhpipe_benches::corpus(1 << 20);
    let stage = Decode::new(DecodeConfig::default()).expect("the default config builds");
    let mut group = c.benchmark_group("decode");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    for (name, encoding, expected_name) in
        [("utf-8", UTF_8, "UTF-8"), ("gb18030", GB18030, "GB18030"), ("big5", BIG5, "Big5")]
    {
        let (text, bytes) = input(encoding, &corpus);
        // The stage must get it right before its speed means anything.
        let decoded = stage.decode(&bytes).expect("decodes");
        assert_eq!((decoded.report.encoding.as_str(), decoded.report.replacements), (expected_name, 0));
        assert!(decoded.text == text, "{name}: decoded text differs");
        eprintln!("decode/{name}: {} bytes from {label}", bytes.len());

        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("stage/{name}"), |b| {
            b.iter(|| {
                let decoded = stage.decode(black_box(&bytes)).expect("decodes");
                assert_eq!(decoded.text.len(), text.len());
                decoded
            })
        });
        group.bench_function(format!("encoding_rs/{name}"), |b| {
            b.iter(|| {
                let decoded =
                    encoding.decode_without_bom_handling_and_without_replacement(black_box(&bytes)).expect("valid");
                assert_eq!(decoded.len(), text.len());
                decoded.into_owned()
            })
        });
    }
    // News-sized documents one by one: chardetng then sees each whole document, so its share
    // of the time is larger than on one big buffer.
    let samples = zhpipe_benches::samples();
    let documents: Vec<(usize, Vec<u8>)> =
        samples.iter().map(|(_, text)| (text.len(), GB18030.encode(text).0.into_owned())).collect();
    group.throughput(Throughput::Bytes(documents.iter().map(|(_, bytes)| bytes.len() as u64).sum()));
    group.bench_function("stage/gb18030-samples", |b| {
        b.iter(|| {
            for (len, bytes) in &documents {
                let decoded = stage.decode(black_box(bytes)).expect("decodes");
                assert_eq!((decoded.text.len(), decoded.report.replacements), (*len, 0));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
