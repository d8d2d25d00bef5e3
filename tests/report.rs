//! `report.html` opened in headless Chromium: the page renders, its script runs without errors
//! and shows the expected counts. Screenshots are kept under `target/` as artefacts.
//!
//! Chromium is found as `$ZHPIPE_CHROMIUM`, `chromium`, `chromium-browser` or `google-chrome`.
//! Without it the tests print that they were skipped, unless `ZHPIPE_REQUIRE_BROWSER` is set
//! (as in CI), which makes a missing browser a failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `target/`, where the screenshots are kept.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().to_owned()
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ZHPIPE_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Chromium, or `None` after printing why the test is skipped.
fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    match find_chromium() {
        Some(path) => Some(path),
        None if std::env::var_os("ZHPIPE_REQUIRE_BROWSER").is_some() => {
            panic!("ZHPIPE_REQUIRE_BROWSER is set but no Chromium was found (apt-get install chromium)")
        }
        None => {
            // Written to stderr directly, past the test harness's capture, so that a skip is seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: no Chromium found (apt-get install chromium, or set ZHPIPE_CHROMIUM)"
            );
            None
        }
    }
}

/// Runs headless Chromium on `page` with `extra` arguments and returns its stdout. A fresh
/// profile directory each time, no network services, and a time limit so a hung browser
/// fails the test instead of blocking it.
fn chromium(browser: &Path, page: &str, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let user_data = format!("--user-data-dir={}", profile.path().display());
    let out = tempfile::tempfile().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            &user_data,
        ])
        .args(extra)
        .arg(page)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s on {page}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium failed on {page}: {status}");
    use std::io::{Read, Seek};
    let mut out = out;
    out.rewind().unwrap();
    let mut text = String::new();
    out.read_to_string(&mut text).unwrap();
    text
}

/// The value of `name="…"` in the `<body>` tag of a dumped DOM.
fn body_attribute<'a>(dom: &'a str, name: &str) -> Option<&'a str> {
    let body = &dom[dom.find("<body")?..];
    let body = &body[..body.find('>')?];
    let start = body.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&body[start..start + body[start..].find('"')?])
}

fn page_url(path: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", path.canonicalize().unwrap().display())
}

fn screenshot(browser: &Path, page: &str, name: &str) -> PathBuf {
    let path = target_dir().join(name);
    let _ = fs::remove_file(&path);
    let arg = format!("--screenshot={}", path.display());
    chromium(browser, page, &[&arg, "--window-size=1280,2000"]);
    let png = fs::read(&path).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", path.display()));
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{} is not a real screenshot", path.display());
    eprintln!("screenshot: {}", path.display());
    path
}

/// Asserts that the page's own script ran to the end without an error.
fn assert_rendered(dom: &str, documents: usize, sections: usize) {
    assert_eq!(body_attribute(dom, "data-errors"), Some(""), "script errors in the page");
    assert_eq!(
        body_attribute(dom, "data-rendered"),
        Some(documents.to_string().as_str()),
        "the page script did not finish"
    );
    assert_eq!(body_attribute(dom, "data-sections"), Some(sections.to_string().as_str()));
    assert!(dom.contains(&format!("page 1 of 1 · {documents} documents")), "pager text missing");
}

#[test]
fn report_of_the_samples_renders_in_chromium() {
    let Some(browser) = chromium_or_skip("report_of_the_samples_renders_in_chromium") else { return };
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_zhpipe"))
        .args(["run", "-q", "--config", "pipeline.toml", "--output", out.path().to_str().unwrap(), "corpus/samples"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = out.path().join("report.html");
    let html = fs::read_to_string(&report).unwrap();
    for remote in ["<script src", "<link", "<img", "@import", "url("] {
        assert!(!html.contains(remote), "the report loads something ({remote}); it must be self-contained");
    }

    let dom = chromium(&browser, &page_url(&report, ""), &["--dump-dom"]);
    assert_rendered(&dom, 5, 5);
    assert_eq!(body_attribute(&dom, "data-documents"), Some("5"));
    assert_eq!(body_attribute(&dom, "data-failed"), Some("0"));
    assert!(dom.contains("<b>5</b> documents · <b>5</b> ok · <b>0</b> failed"));
    assert!(dom.contains("001_2e05ff05c1a982e2.txt"));
    assert!(dom.contains("<p class=\"chain\">pipeline: decode → clean → "), "pipeline line missing");

    screenshot(&browser, &page_url(&report, ""), "report-screenshot.png");
    screenshot(&browser, &page_url(&report, "#doc-2"), "report-document-screenshot.png");
}

/// Records with every layer, as the finished stages will write them, through the report
/// builder and into the browser: highlighted mentions, labels, the place × theme table.
#[test]
fn annotated_report_renders_in_chromium() {
    let Some(browser) = chromium_or_skip("annotated_report_renders_in_chromium") else { return };
    let text =
        "河北省推进京津冀交通一体化。国务院印发《规划》，支持雄安新区建设。\n北京市与天津市签署协议，习近平出席会议。";
    let find = |surface: &str| {
        let start = text.find(surface).unwrap();
        json!([start, start + surface.len()])
    };
    let mention = |surface: &str, id: &str, kind: &str, dictionary: &str, category: &str| json!({"span": find(surface), "surface": surface, "id": id, "kind": kind, "name": surface, "dictionary": dictionary, "category": category});
    let first = text.find('。').unwrap() + 3;
    let second = first + text[first..].find('。').unwrap() + 3;
    let mut lines = Vec::new();
    for i in 0..12 {
        let source = ["新华社", "人民日报", "河北日报"][i % 3];
        let record = json!({
            "schema": 1, "id": format!("news/{i:02}.html"), "status": "ok",
            "encoding": {"encoding": if i % 3 == 0 { "GB18030" } else { "UTF-8" }, "source": "detected", "overridden": false, "replacements": i % 2},
            "meta": {"title": format!("京津冀协同发展第{i}期 <简报>"), "published": format!("2024-0{}-1{}", 1 + i % 6, i % 10), "source": source},
            "text": text,
            "sentences": [[0, first], [first, second], [second + 1, text.len()]],
            "mentions": [
                mention("河北省", "place:130000", "province", "places", "place"),
                mention("京津冀", "region:jingjinji", "region", "places", "place"),
                mention("一体化", "policy:yitihua", "policy", "policy-terms", "policy"),
                mention("国务院", "org:guowuyuan", "organisation", "organisations", "organisation"),
                mention("雄安新区", "place:xiongan", "new-area", "places", "place"),
                mention("北京市", "place:110000", "province", "places", "place"),
                mention("天津市", "place:120000", "province", "places", "place"),
            ],
            "labels": [
                {"sentence": 0, "labels": [{"label": "transport", "score": 0.9}]},
                {"sentence": 1, "labels": [{"label": if i % 2 == 0 { "planning" } else { "industry" }, "score": 0.7}]},
                {"sentence": 2, "labels": [{"label": "meeting", "score": 0.8}, {"label": "other", "score": 0.1}]},
            ],
            "removed": [{"kind": "breadcrumb", "text": "当前位置：首页 > 要闻"}],
            "notes": [{"stage": "clean", "kind": "removed-breadcrumb", "message": "当前位置：首页 > 要闻", "count": 1}],
        });
        let mut record = record;
        if i == 7 {
            // One document names a person: the filter must find it by that name alone.
            let person = mention("习近平", "person:xijinping", "person", "people", "person");
            record["mentions"].as_array_mut().unwrap().push(person);
        }
        lines.push(record.to_string());
    }
    lines.push(
        json!({"schema": 1, "id": "news/broken.bin", "status": "error", "stage": "decode", "error": "binary file"})
            .to_string(),
    );

    let mut report = zhpipe::report::Report::new(zhpipe::report::ReportOptions {
        stages: ["decode", "clean", "convert", "segment", "gazetteer", "classify"].map(String::from).to_vec(),
        documents_with_text: 5,
        themes: zhpipe::themes_of(&zhpipe_classify::Taxonomy::bundled()),
        ..Default::default()
    });
    for (i, line) in lines.iter().enumerate() {
        report.add(report.summarise(line, i as u64));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    fs::write(&path, report.render()).unwrap();

    let dom = chromium(&browser, &page_url(&path, ""), &["--dump-dom"]);
    assert_rendered(&dom, 13, 5);
    assert_eq!(body_attribute(&dom, "data-failed"), Some("1"));
    assert_eq!(body_attribute(&dom, "data-mentions"), Some("85"));
    assert!(dom.contains("<mark class=\"m-place\" title=\"new-area · 雄安新区 · place:xiongan\">雄安新区</mark>"));
    assert!(dom.contains("<td title=\"place:130000\">河北省</td>"), "place × theme row missing");
    assert!(dom.contains("京津冀协同发展第0期 &lt;简报&gt;"), "title not escaped");
    assert!(dom.contains("title=\"transport\"><b class=\"sw\""), "theme id on hover");
    assert!(dom.contains("交通一体化"), "theme names in Chinese");
    assert_eq!(body_attribute(&dom, "data-charts"), Some("2"), "both over-time charts drawn");

    // The filter finds the one document that names a person, by that name alone, and
    // `?q=` opens the index filtered.
    let filtered =
        chromium(&browser, &format!("{}?q=%E4%B9%A0%E8%BF%91%E5%B9%B3", page_url(&path, "")), &["--dump-dom"]);
    assert_eq!(body_attribute(&filtered, "data-errors"), Some(""));
    assert_eq!(body_attribute(&filtered, "data-shown"), Some("1"), "习近平 is named by one document");
    let row = &filtered[filtered.find("<a href=\"#doc-8\">").expect("document 8 is listed") - 200..];
    assert!(row.contains("<tr data-search=\"习近平 ") && !row[..200].contains("display: none"), "{}", &row[..400]);

    // No element sticks out of its card, at the widths analysts open the report at.
    for width in [1024, 1400] {
        let size = format!("--window-size={width},3000");
        let dom = chromium(&browser, &page_url(&path, ""), &["--dump-dom", &size]);
        assert_eq!(body_attribute(&dom, "data-overflow"), Some(""), "at {width} px");
    }
    // The check sees a bar that does stick out.
    let html = fs::read_to_string(&path).unwrap();
    let wide = dir.path().join("wide.html");
    fs::write(
        &wide,
        html.replacen(
            ".tbar{display:flex;width:100%;min-width:60px",
            ".tbar{display:flex;width:100%;min-width:900px",
            1,
        ),
    )
    .unwrap();
    let dom = chromium(&browser, &page_url(&wide, ""), &["--dump-dom", "--window-size=1024,3000"]);
    let overflow = body_attribute(&dom, "data-overflow").unwrap();
    assert!(overflow.contains("Theme share per document: span.tbar"), "{overflow}");
    screenshot(&browser, &page_url(&path, ""), "report-annotated-screenshot.png");
    screenshot(&browser, &page_url(&path, "#doc-1"), "report-annotated-document-screenshot.png");
}
