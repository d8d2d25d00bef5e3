//! Throughput of the clean stage (MB/s of input) on plain text and on HTML pages.
//!
//! The corpus is `zhpipe_benches::corpus` (the samples unless `ZHPIPE_BENCH_CORPUS` is set), cut
//! into documents of about 10 kB at line boundaries. The HTML variant wraps every line of a
//! document in `<p>` and adds the furniture of a real page (a script, a style sheet, comments, a
//! navigation bar), so it measures html5ever plus the same line pass; `html` also chooses the
//! article element (`extract_main`), `html-whole-page` does not.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zhpipe_clean::{Clean, CleanConfig, HtmlMode};
use zhpipe_core::{Document, Stage};

fn as_html(doc: &str) -> String {
    let mut page = String::from(
        "<!DOCTYPE html><html><head><title>京津冀协同发展</title><style>.a{color:#333}</style>\
         <script>var x = '<p>不是正文</p>';</script></head><body><nav>首页 | 新闻 | 要闻</nav><div class=\"content\">\n",
    );
    for line in doc.lines().filter(|l| !l.trim().is_empty()) {
        page.push_str("<p>");
        for c in line.chars() {
            match c {
                '<' => page.push_str("&lt;"),
                '&' => page.push_str("&amp;"),
                c => page.push(c),
            }
        }
        page.push_str("</p><!-- p -->\n");
    }
    page.push_str("</div><footer>版权所有</footer></body></html>");
    page
}

/// Cleans every document; returns the total length of the output, checked by the caller.
fn run(stage: &Clean, docs: &[String]) -> usize {
    docs.iter()
        .map(|text| {
            let mut doc = Document::from_text("bench", text.as_str());
            stage.process(&mut doc).expect("clean never fails on text");
            doc.text.len()
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let (text, label) = zhpipe_benches::corpus(2 << 20);
    let plain = zhpipe_benches::documents(&text, 10_000);
    let html: Vec<String> = plain.iter().map(|d| as_html(d)).collect();

    let text_stage =
        Clean::new(&CleanConfig { html: HtmlMode::Never, ..CleanConfig::default() }, ".".as_ref()).unwrap();
    let html_stage = Clean::bundled();
    let whole_page_stage =
        Clean::new(&CleanConfig { extract_main: false, ..CleanConfig::default() }, ".".as_ref()).unwrap();

    // Built and run once outside the timed loop: the expected output sizes.
    let expected_plain = run(&text_stage, &plain);
    let expected_html = run(&html_stage, &html);
    let expected_whole_page = run(&whole_page_stage, &html);
    assert!(expected_plain > 0 && expected_html > 0);
    // The article element holds every paragraph; the whole page adds only its furniture.
    assert!(expected_whole_page >= expected_html);

    let mut group = c.benchmark_group(format!("clean/{label}"));
    group.sample_size(10).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));

    group.throughput(Throughput::Bytes(plain.iter().map(String::len).sum::<usize>() as u64));
    group.bench_function("plain-text", |b| {
        b.iter(|| assert_eq!(run(&text_stage, black_box(&plain)), expected_plain));
    });

    group.throughput(Throughput::Bytes(html.iter().map(String::len).sum::<usize>() as u64));
    group.bench_function("html", |b| {
        b.iter(|| assert_eq!(run(&html_stage, black_box(&html)), expected_html));
    });
    group.bench_function("html-whole-page", |b| {
        b.iter(|| assert_eq!(run(&whole_page_stage, black_box(&html)), expected_whole_page));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
