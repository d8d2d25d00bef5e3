//! The whole run beside bare jieba: `zhpipe::run` with the repository's `pipeline.toml` (every
//! stage, records, `summary.json` and `report.html` written to a new directory each iteration)
//! on one and two threads, the same chain without the `ner` stage, and bare jieba-rs `cut` and
//! `tag` (HMM on, default dictionary, line by line, one thread) over the same files, in one
//! criterion run so that the ratios compare like with like.
//!
//! `ZHPIPE_BENCH_CORPUS=DIR cargo xtask bench pipeline` (the samples by default). Throughput is
//! the corpus's bytes. Each iteration checks that every file gave a record.

use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use jieba_rs::Jieba;
use std::hint::black_box;
use zhpipe::{Output, RunOptions};

fn run<'a>(config: &'a Path, corpus: &Path, threads: usize, files: usize) -> impl Fn(tempfile::TempDir) + 'a {
    let corpus = corpus.display().to_string();
    move |out: tempfile::TempDir| {
        let mut options = RunOptions::new(config);
        options.inputs = vec![corpus.clone()];
        options.output = Some(Output::Dir(out.path().join("out")));
        options.threads = Some(threads);
        let (summary, _) = zhpipe::run(&options).unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!(summary.documents as usize, files);
    }
}

fn bench(c: &mut Criterion) {
    let (dir, files) = zhpipe_benches::corpus_dir();
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    let root = zhpipe_benches::repo_root();
    let config = root.join("pipeline.toml");
    // The same chain without ner, beside the repository's dictionaries.
    let without = tempfile::tempdir().expect("a temporary directory");
    let text = std::fs::read_to_string(&config).expect("pipeline.toml");
    let (ner, classify) = (
        text.find("[[stage]]\nuse = \"ner\"").expect("a ner entry"),
        text.find("[[stage]]\nuse = \"classify\"").expect("a classify entry"),
    );
    let without_config = without.path().join("pipeline.toml");
    std::fs::write(&without_config, format!("{}{}", &text[..ner], &text[classify..])).unwrap();
    copy_dir(&root.join("dictionaries"), &without.path().join("dictionaries"));

    let jieba = Jieba::new();
    let lines: Vec<&str> = files.iter().flat_map(|(_, text)| text.lines()).collect();
    let words: usize = lines.iter().map(|l| jieba.cut(l, true).len()).sum();

    let mut group = c.benchmark_group(format!("pipeline ({})", dir.display()));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(10));
    group.bench_function("jieba-cut", |b| {
        b.iter(|| {
            let n: usize = black_box(&lines).iter().map(|l| jieba.cut(l, true).len()).sum();
            assert_eq!(n, words);
        })
    });
    group.bench_function("jieba-tag", |b| {
        b.iter(|| {
            let n: usize = black_box(&lines).iter().map(|l| jieba.tag(l, true).len()).sum();
            assert_eq!(n, words);
        })
    });
    let fresh = || tempfile::tempdir().expect("a temporary directory");
    for threads in [1, 2] {
        group.bench_function(format!("run/threads-{threads}"), |b| {
            b.iter_batched(fresh, run(&config, &dir, threads, files.len()), BatchSize::PerIteration)
        });
        group.bench_function(format!("run-without-ner/threads-{threads}"), |b| {
            b.iter_batched(fresh, run(&without_config, &dir, threads, files.len()), BatchSize::PerIteration)
        });
    }
    group.finish();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
