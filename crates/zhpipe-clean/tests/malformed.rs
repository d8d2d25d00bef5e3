//! Malformed and hostile HTML: no panic, no quadratic blow-up, and still the right text.
//!
//! There are no timing assertions: a quadratic walk over 10,000 levels or 50 MB would not finish
//! in the time a test run is given, which is the failure these tests catch. The 50 MB cases are
//! `#[ignore]`d in debug builds; run them with
//! `cargo test --release -p zhpipe-clean --test malformed -- --include-ignored`.

use zhpipe_clean::Clean;
use zhpipe_core::{Document, Stage};

fn clean(text: &str) -> Document {
    let mut doc = Document::from_text("t", text);
    Clean::bundled().process(&mut doc).unwrap();
    doc
}

#[test]
fn unclosed_tags() {
    let doc = clean("<div><p>京津冀协同发展。<p>疏解非首都功能。<div><span>雄安新区<b>建设");
    assert_eq!(doc.text, "京津冀协同发展。\n疏解非首都功能。\n雄安新区建设");
}

#[test]
fn stray_angle_brackets() {
    let doc = clean("<p>若 a < b 且 1<2，则成立。</p><p>x <- y 与 <<>> 都是文本。</p>");
    assert_eq!(doc.text, "若 a < b 且1<2，则成立。\nx <- y 与 <<>> 都是文本。");
}

#[test]
fn unterminated_comment_and_script() {
    let doc = clean("<p>京津冀协同发展。</p><p>第二段。</p><!-- 没有结束的注释 <p>不是正文</p>");
    assert_eq!(doc.text, "京津冀协同发展。\n第二段。");
    let doc = clean("<p>京津冀协同发展。</p><p>第二段。</p><script>if (a < b) { document.write('<p>x</p>')");
    assert_eq!(doc.text, "京津冀协同发展。\n第二段。");
}

#[test]
fn ten_thousand_nested_divs() {
    let depth = 10_000;
    let html = format!("{}<p>京津冀协同发展。</p>{}", "<div>".repeat(depth), "</div>".repeat(depth));
    assert_eq!(clean(&html).text, "京津冀协同发展。");
}

/// Parsing keeps at most 256 elements open, so nesting costs time proportional to its size:
/// without the cap, 100,000 levels took the tree builder minutes.
#[test]
fn hundred_thousand_nested_divs_are_flattened_with_a_note() {
    let depth = 100_000;
    let html = format!("{}<p>京津冀协同发展。</p>{}<p>第二段。</p>", "<div>".repeat(depth), "</div>".repeat(depth));
    let doc = clean(&html);
    assert_eq!(doc.text, "京津冀协同发展。\n第二段。");
    let note = doc.notes.iter().find(|n| n.kind == "flattened-nesting").expect("a note");
    assert_eq!(note.count, Some(depth as u64 - 256));
}

#[test]
#[cfg_attr(debug_assertions, ignore = "11 MB: slow in debug builds; run in release")]
fn a_million_nested_divs() {
    let depth = 1_000_000;
    let html = format!("{}<p>京津冀协同发展。</p>{}", "<div>".repeat(depth), "</div>".repeat(depth));
    assert_eq!(clean(&html).text, "京津冀协同发展。");
}

#[test]
fn ten_thousand_unclosed_inline_elements() {
    let depth = 10_000;
    let html = format!("<p>{}京津冀协同发展。</p><p>第二段。</p>", "<b><i><span>".repeat(depth));
    assert_eq!(clean(&html).text, "京津冀协同发展。\n第二段。");
}

#[test]
fn ten_thousand_nested_tables() {
    let depth = 10_000;
    let html = format!("{}京津冀{}", "<table><tr><td>".repeat(depth), "</td></tr></table>".repeat(depth));
    assert_eq!(clean(&html).text, "京津冀");
}

const SENTENCE: &str = "京津冀协同发展取得新成效，";

fn fifty_megabytes() -> String {
    SENTENCE.repeat(50 * 1024 * 1024 / SENTENCE.len())
}

#[test]
#[ignore = "50 MB: slow in debug builds; run in release"]
fn fifty_megabyte_html_line() {
    let body = fifty_megabytes();
    let html = format!("<html><body><p>{body}</p><script>{}</script></body></html>", "x".repeat(1000));
    let doc = clean(&html);
    assert_eq!(doc.text.len(), body.len());
    assert!(doc.text == body);
}

#[test]
#[ignore = "50 MB: slow in debug builds; run in release"]
fn fifty_megabyte_plain_line() {
    let body = fifty_megabytes();
    let doc = clean(&body.replace('，', ","));
    assert!(doc.text == body);
}

#[test]
#[ignore = "50 MB: slow in debug builds; run in release"]
fn fifty_megabytes_of_open_parentheses_and_tags() {
    let text = "京(".repeat(10 * 1024 * 1024) + &"<p>".repeat(1024 * 1024);
    let doc = clean(&text);
    assert!(doc.text.starts_with("京(京("));
}

/// Front matter of nested aliases (nine levels of nine) would expand to 387 million nodes: the
/// block is refused with a note and the article's text is kept.
#[test]
fn front_matter_alias_bomb_is_a_note() {
    let mut yaml = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    for pair in names.windows(2) {
        yaml.push_str(&format!("{}: &{} [{}]\n", pair[1], pair[1], vec![format!("*{}", pair[0]); 9].join(",")));
    }
    let doc = clean(&format!("---\n{yaml}---\n京津冀协同发展。\n"));
    assert_eq!(doc.text, "京津冀协同发展。");
    let note = doc.notes.iter().find(|n| n.kind == "invalid-front-matter").expect("a note");
    assert!(note.message.contains("through its aliases"), "{}", note.message);
}

/// 6,000 levels of nested block sequences: refused at the depth bound, not a stack overflow.
#[test]
fn front_matter_nested_six_thousand_deep_is_a_note() {
    let nested: String = (0..6_000).map(|depth| format!("{}- \n", " ".repeat(depth))).collect();
    let doc = clean(&format!("---\ntitle: x\nlist:\n{nested}---\n京津冀协同发展。\n"));
    assert_eq!(doc.text, "京津冀协同发展。");
    assert!(doc.notes.iter().any(|n| n.kind == "invalid-front-matter" && n.message.contains("levels deep")));
}
