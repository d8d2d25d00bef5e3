//! The report from records: what each part shows, that every value is escaped, and that the
//! page is the same however it is built.

use zhpipe_core::{Category, Document, EntryNames, Label, Mentions, Removed, SentenceLabels, Span};

use super::*;
use crate::record;

fn mention<'a>(
    text: &str,
    surface: &'a str,
    nth: usize,
    id: &'a str,
    kind: &'a str,
    dictionary: &'a str,
) -> (Span, EntryNames<'a>) {
    let start = text.match_indices(surface).nth(nth).unwrap().0;
    let category = match dictionary {
        "places" => Category::Place,
        "organisations" => Category::Organisation,
        "people" => Category::Person,
        "policy-terms" => Category::Policy,
        _ => Category::Other,
    };
    (Span::new(start, start + surface.len()), EntryNames { id, kind, name: surface, dictionary, category })
}

fn label(sentence: usize, labels: &[(&str, f32)]) -> SentenceLabels {
    SentenceLabels {
        sentence,
        labels: labels.iter().map(|&(l, s)| Label { label: l.into(), score: s, evidence: vec![] }).collect(),
    }
}

/// A document with every layer, as a record line: what the default chain will write.
fn annotated(id: &str) -> String {
    let text = "河北省推进京津冀交通一体化。国务院发布<规划>。\n北京市与河北省签署协议，习近平出席。";
    let mut doc = Document::from_text(id, text);
    doc.meta.title = Some("京津冀 \"协同\" 发展".into());
    doc.meta.published = Some("2024-05-14T16:41:21+08:00".into());
    doc.meta.source = Some("河北省人民政府网站".into());
    let first = text.find('。').unwrap() + '。'.len_utf8();
    let second = first + text[first..].find('。').unwrap() + '。'.len_utf8();
    doc.sentences = vec![Span::new(0, first), Span::new(first, second), Span::new(second + 1, text.len())];
    doc.mentions = Mentions::from_names([
        mention(text, "河北省", 0, "place:130000", "province", "places"),
        mention(text, "京津冀", 0, "region:jingjinji", "region", "places"),
        mention(text, "国务院", 0, "org:guowuyuan", "organisation", "organisations"),
        mention(text, "北京市", 0, "place:110000", "province", "places"),
        mention(text, "河北省", 1, "place:130000", "province", "places"),
        mention(text, "习近平", 0, "person:xijinping", "person", "people"),
        mention(text, "一体化", 0, "policy:yitihua", "policy", "policy-terms"),
    ]);
    doc.labels = vec![
        label(0, &[("transport", 0.9), ("coordination", 0.4)]),
        label(1, &[("planning", 0.7)]),
        label(2, &[("coordination", 0.3), ("meeting", 0.8)]),
    ];
    doc.note_count("clean", "removed-breadcrumb", 2, "当前位置:首页 > 要闻");
    doc.removed.push(Removed { kind: "breadcrumb".into(), text: "当前位置:首页".into() });
    record::ok_line(&doc, Layers::all())
}

fn build(lines: &[String], options: ReportOptions) -> String {
    let mut report = Report::new(options);
    for (i, line) in lines.iter().enumerate() {
        report.add(report.summarise(line, i as u64));
    }
    report.render()
}

fn summary(line: &str, with_text: bool) -> DocSummary {
    summarise(line, with_text, &ThemeNames::default())
}

#[test]
fn mentions_are_highlighted_by_kind_and_escaped() {
    let html = build(&[annotated("a")], ReportOptions::default());
    assert!(
        html.contains("<mark class=\"m-place\" title=\"province · 河北省 · place:130000\">河北省</mark>"),
        "{html}"
    );
    assert!(html.contains("<mark class=\"m-org\" title=\"organisation · 国务院 · org:guowuyuan\">国务院</mark>"));
    assert!(html.contains("<mark class=\"m-person\" title=\"person · 习近平 · person:xijinping\">习近平</mark>"));
    assert!(html.contains("<mark class=\"m-policy\""));
    // The text's `<规划>` and the title's quotes are escaped, never markup.
    assert!(html.contains("发布&#60;规划&#62;。"));
    assert!(!html.contains("<规划>"));
    assert!(html.contains("<h2>京津冀 &#34;协同&#34; 发展</h2>"));
}

#[test]
fn each_sentence_shows_its_labels_best_first() {
    let html = build(&[annotated("a")], ReportOptions::default());
    let first = html.find("<span class=\"s\" id=\"s0\">").expect("sentence 0");
    let after = &html[first..];
    let sup = &after[after.find("<sup class=\"lab\">").unwrap()..];
    let sup = &sup[..sup.find("</sup>").unwrap()];
    assert!(sup.contains(">transport</span> 0.90") && sup.contains(">coordination</span> 0.40"), "{sup}");
    assert!(sup.find("transport").unwrap() < sup.find("coordination").unwrap());
    // The newline between sentences 1 and 2 is kept in the pre-wrapped text.
    assert!(html.contains("</sup>\n<span class=\"s\" id=\"s2\">"));
}

#[test]
fn corpus_view_counts_entities_themes_and_places_by_theme() {
    let lines = vec![annotated("a"), annotated("b")];
    let report = {
        let mut report = Report::new(ReportOptions::default());
        for line in &lines {
            report.add(summary(line, false));
        }
        report
    };
    // 河北省 twice per document, in 2 documents.
    let places = report.ranked_entities(Category::Place);
    let rendered: Vec<String> = places.iter().map(|(id, t)| format!("{id}={}x{}", t.mentions, t.documents)).collect();
    assert_eq!(rendered, ["place:130000=4x2", "place:110000=2x2", "region:jingjinji=2x2"]);
    // Sentence 0 (transport) names 河北省 and 京津冀; sentence 2 (meeting: 0.8 beats 0.3) names
    // 北京市 and 河北省; sentence 1 (planning) names no place.
    let mut cells: Vec<String> = report.place_themes.iter().map(|((p, t), n)| format!("{p}/{t}={n}")).collect();
    cells.sort();
    assert_eq!(
        cells,
        [
            "place:110000/meeting=2",
            "place:130000/meeting=2",
            "place:130000/transport=2",
            "region:jingjinji/transport=2"
        ]
    );
    assert_eq!(report.themes["meeting"], (2, 2));
    assert!(!report.themes.contains_key("coordination"), "only the best label counts");
    assert_eq!(report.notes[&("clean".to_owned(), "removed-breadcrumb".to_owned())], (2, 4));
    let html = report.render();
    assert!(html.contains("data-documents=\"2\" data-ok=\"2\" data-failed=\"0\" data-mentions=\"14\""));
    assert!(html.contains("<h3>Places × themes</h3>"));
    assert!(html.contains("<td title=\"place:130000\">河北省</td>"));
    assert!(html.contains("2024-05"));
}

#[test]
fn empty_layers_render_with_an_explanation() {
    let doc = Document::from_text("plain", "只有文本，没有标注。");
    let line = record::ok_line(&doc, Layers::TEXT);
    let options = ReportOptions { layers: Layers::TEXT, ..ReportOptions::default() };
    let html = build(&[line], options);
    assert!(html.contains("No mentions: the pipeline has no gazetteer stage."));
    assert!(html.contains("No labels: the pipeline has no classify stage."));
    assert!(html.contains("No labelled sentence names a place."));
    assert!(html.contains("<div class=\"text\">只有文本，没有标注。</div>"));
    assert!(html.contains("No encoding report"));
}

#[test]
fn error_records_are_listed_and_counted_by_stage() {
    let lines = vec![
        record::error_line("bad<1>.bin", "decode", "binary file: 41% control bytes"),
        record::error_line("gone.txt", "input", "cannot read gone.txt: dangling symbolic link"),
        annotated("ok"),
    ];
    let html = build(&lines, ReportOptions::default());
    assert!(html.contains("data-documents=\"3\" data-ok=\"1\" data-failed=\"2\""));
    assert!(html.contains("<td>decode</td><td class=\"n\">1</td>"));
    assert!(html.contains("<td>input</td><td class=\"n\">1</td>"));
    assert!(html.contains("bad&#60;1&#62;.bin"));
    assert!(html.contains("decode: binary file: 41% control bytes"));
    // The first record that has a section is the third one.
    assert!(html.contains("<section class=\"doc\" id=\"doc-3\">"));
    assert!(!html.contains("id=\"doc-1\""));
}

#[test]
fn unreadable_line_is_a_failed_entry_not_a_panic() {
    let doc = summary("{\"schema\": 1, \"id\": \"x\", \"status\": \"ok\", \"sentences\": 3}", true);
    assert!(!doc.ok);
    assert_eq!(doc.id, "x");
    let (stage, error) = doc.error.unwrap();
    assert_eq!(stage, "report");
    assert!(error.starts_with("unreadable record: not a zhpipe record"), "{error}");
    assert_eq!(summary("not json", true).id, "?");
    let (_, error) = summary("{\"schema\": 9, \"id\": \"y\", \"status\": \"ok\"}", true).error.unwrap();
    assert!(error.contains("a record of schema 9"), "{error}");
}

#[test]
fn spans_off_char_boundaries_or_out_of_bounds_are_skipped() {
    let line = concat!(
        r#"{"schema":1,"id":"s","status":"ok","text":"京津冀协同","sentences":[[0,15],[1,4],[12,99]],"#,
        r#""mentions":[{"span":[1,9],"surface":"","id":"a","kind":"place","name":"x","dictionary":"places","category":"place"},"#,
        r#"{"span":[0,9],"surface":"京津冀","id":"b","kind":"region","name":"京津冀","dictionary":"places","category":"place"},"#,
        r#"{"span":[3,12],"surface":"","id":"c","kind":"place","name":"y","dictionary":"places","category":"place"},"#,
        r#"{"span":[0,99],"surface":"","id":"d","kind":"place","name":"z","dictionary":"places","category":"place"}],"notes":[]}"#
    );
    let doc = summary(line, true);
    assert!(doc.ok, "{:?}", doc.error);
    assert_eq!((doc.sentences, doc.mentions), (1, 1), "only [0,15] and b are valid and not overlapping");
    let section = doc.page.unwrap();
    assert!(
        section.contains(
            "<span class=\"s\" id=\"s0\"><mark class=\"m-place\" title=\"region · 京津冀 · b\">京津冀</mark>协同</span>"
        ),
        "{section}"
    );
}

#[test]
fn only_the_first_documents_get_text_and_only_the_first_rows_are_listed() {
    let lines: Vec<String> = (0..7).map(|i| annotated(&format!("d{i}"))).collect();
    let options = ReportOptions { documents_with_text: 2, index_rows: 5, ..ReportOptions::default() };
    let html = build(&lines, options);
    assert_eq!(html.matches("<section class=\"doc\"").count(), 2);
    assert_eq!(html.matches("<tr data-search=").count(), 5);
    // Said where the index starts, not after 10,000 rows.
    let note = html.find("2 more documents are not listed").expect("the cap is said");
    assert!(note < html.find("<table id=\"doc-index\">").unwrap());
    assert!(html.contains("data-documents=\"7\""));
}

#[test]
fn long_text_is_cut_on_a_char_boundary() {
    let text = "京".repeat(TEXT_LIMIT / 3 + 10) + "<end>";
    let line = record::ok_line(&Document::from_text("long", text.clone()), Layers::TEXT);
    let section = summary(&line, true).page.unwrap();
    assert!(section.contains(&format!("Text cut here: {} more bytes", text.len() - TEXT_LIMIT / 3 * 3)), "cut");
    assert!(!section.contains("&#60;end&#62;"));
}

#[test]
fn the_page_is_self_contained() {
    let html = build(&[annotated("a")], ReportOptions::default());
    for remote in ["http://", "https://", "src=", "<link", "@import"] {
        assert!(!html.contains(remote), "{remote} in the page");
    }
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
}

#[test]
fn report_is_the_same_whichever_way_it_is_built() {
    // Summaries made on any thread, in output order, give the same page.
    let lines: Vec<String> = (0..5).map(|i| annotated(&format!("d{i}"))).collect();
    let sequential = build(&lines, ReportOptions::default());
    let summaries: Vec<DocSummary> = std::thread::scope(|scope| {
        let handles: Vec<_> = lines.iter().map(|line| scope.spawn(move || summary(line, true))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut report = Report::new(ReportOptions::default());
    summaries.into_iter().for_each(|s| report.add(s));
    assert_eq!(report.render(), sequential);
}

#[test]
fn hostile_ids_keys_and_values_are_escaped_everywhere() {
    let mut doc = Document::from_text("<script>alert(1)</script>", "正文<img src=x>。");
    doc.meta.title = Some("</title><script>alert(2)</script>".into());
    doc.meta.extra.insert("<img src=x onerror=alert(1)>".into(), serde_json::json!(1));
    doc.meta.extra.insert("note".into(), serde_json::json!("\"><img src=x onerror=1>"));
    doc.meta.source = Some("<img src=y>".into());
    doc.note_count("clean", "<img kind>", 1, "<script>note</script>");
    doc.removed.push(Removed { kind: "<img>".into(), text: "<script>removed</script>".into() });
    let lines =
        [record::ok_line(&doc, Layers::all()), record::error_line("<img src=e>", "<script>stage", "<img src=error>")];
    let options = ReportOptions { stages: vec!["<script>".into()], ..ReportOptions::default() };
    let html = build(&lines, options);
    // The only markup of these kinds is what the template writes: its two script elements.
    assert_eq!(html.matches("<script").count(), 2, "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&#60;img src=x onerror=alert(1)&#62;"), "the front-matter key is shown, escaped");
    assert!(html.contains("&#34;&#62;&#60;img src=x onerror=1&#62;"), "the extra value is shown, escaped");
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "the id is shown, escaped");
}

#[test]
fn theme_names_are_shown_in_chinese_with_the_id_on_hover() {
    let themes =
        ThemeNames::new([("transport".to_owned(), "交通".to_owned()), ("meeting".to_owned(), "会议".to_owned())]);
    let html = build(&[annotated("a")], ReportOptions { themes, ..ReportOptions::default() });
    assert!(html.contains("<td class=\"k\" title=\"transport\"><b class=\"sw\""), "{html}");
    assert!(html.contains("></b>交通</td>"), "the themes card shows the name");
    assert!(html.contains("<span title=\"transport\">交通</span> 0.90"), "sentence labels show the name");
    assert!(html.contains("<th title=\"meeting\"><b class=\"sw\""), "the place × theme header has the id on hover");
    // A label the themes file does not name is shown by its id.
    assert!(html.contains("<span title=\"planning\">planning</span>"));
}

#[test]
fn the_over_time_charts_have_a_column_per_month_and_a_line_per_category() {
    let lines: Vec<String> = ["2024-01-02", "2024-01-20", "2024-03-05"]
        .iter()
        .enumerate()
        .map(|(i, date)| {
            let line = annotated(&format!("d{i}"));
            line.replace("2024-05-14T16:41:21+08:00", date)
        })
        .collect();
    let html = build(&lines, ReportOptions::default());
    assert!(html.contains("<svg class=\"chart\" data-chart=\"themes\" data-months=\"2\""), "{html}");
    assert!(html.contains("<svg class=\"chart\" data-chart=\"mentions\" data-months=\"2\""));
    // January: 2 documents × 3 labelled sentences, one theme each of transport, planning, meeting.
    assert!(html.contains("<title>2024-01 · transport (transport): 2 sentences, 33%</title>"), "{html}");
    assert_eq!(html.matches("<polyline ").count(), 4, "places, organisations, people, policy terms");
    assert!(html.contains("<text x=\"174.0\" y=\"172\" text-anchor=\"middle\">2024-01</text>"), "{html}");
    // No dates, no chart.
    let undated = build(&[annotated("a").replace("2024-05-14T16:41:21+08:00", "")], ReportOptions::default());
    assert!(!undated.contains("<svg"));
}

#[test]
fn the_index_finds_a_document_by_the_people_and_themes_it_names() {
    let themes = ThemeNames::new([("transport".to_owned(), "交通".to_owned())]);
    let html = build(&[annotated("a")], ReportOptions { themes, ..ReportOptions::default() });
    let row = &html[html.find("<tr data-search=\"").unwrap()..];
    let search = &row[17..row[17..].find('"').unwrap() + 17];
    assert!(search.starts_with("习近平 "), "people first: {search}");
    for name in ["河北省", "国务院", "一体化", "transport", "交通", "meeting"] {
        assert!(search.split(' ').any(|w| w == name), "{name} in {search}");
    }
}

#[test]
fn names_no_dictionary_lists_are_counted_one_entity_each() {
    // The ner stage's unlinked names all have an empty id: the report must not fold every
    // person it found into one.
    let text = "王小明和李大为在恭城考察。";
    let mut doc = Document::from_text("n", text);
    doc.sentences = vec![Span::new(0, text.len())];
    let unlinked = |surface: &'static str, category: Category| {
        let start = text.find(surface).unwrap();
        let kind = category.as_str();
        (
            Span::new(start, start + surface.len()),
            EntryNames { id: "", kind, name: surface, dictionary: "ner", category },
        )
    };
    doc.mentions = Mentions::from_names([
        unlinked("王小明", Category::Person),
        unlinked("李大为", Category::Person),
        unlinked("恭城", Category::Place),
    ]);
    doc.labels = vec![label(0, &[("coordination", 0.9)])];
    let mut report = Report::new(ReportOptions::default());
    report.add(summary(&record::ok_line(&doc, Layers::all()), false));
    let people: Vec<(&str, u64)> =
        report.ranked_entities(Category::Person).iter().map(|(id, t)| (*id, t.mentions)).collect();
    assert_eq!(people, [("name:李大为", 1), ("name:王小明", 1)]);
    assert_eq!(report.place_themes.keys().next().unwrap().0, "name:恭城");
    assert!(report.render().contains("<td title=\"name:恭城\">恭城</td>"));
}
