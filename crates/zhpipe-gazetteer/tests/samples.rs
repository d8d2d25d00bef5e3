//! The bundled samples, cleaned and converted to Simplified as in the default pipeline: golden
//! mentions, and identical mentions from every engine.

mod util;

use std::collections::BTreeMap;

use zhpipe_core::{Document, Mentions, Registry, Stage, StageEntry};
use zhpipe_gazetteer::{CompileOptions, Gazetteer, Source};

/// The samples after decode's job (they are UTF-8), clean and convert, by file stem.
fn converted_samples() -> Vec<(String, String)> {
    let mut registry = Registry::new();
    zhpipe_clean::register(&mut registry);
    zhpipe_convert::register(&mut registry);
    let stage = |name: &str| -> Box<dyn Stage> {
        let entry = StageEntry { number: 1, name: name.into(), line: None, table: Default::default(), source: None };
        registry.build(&entry, &util::repo()).unwrap_or_else(|e| panic!("{e}"))
    };
    let (clean, convert) = (stage("clean"), stage("convert"));
    let mut paths: Vec<_> =
        std::fs::read_dir(util::repo().join("corpus/samples")).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let mut doc = Document::from_text(stem.clone(), std::fs::read_to_string(&path).unwrap());
            clean.process(&mut doc).unwrap_or_else(|e| panic!("{stem}: clean: {e}"));
            convert.process(&mut doc).unwrap_or_else(|e| panic!("{stem}: convert: {e}"));
            (stem, doc.text)
        })
        .collect()
}

fn repo_sources() -> Vec<Source> {
    util::repo_dictionaries().iter().map(|p| Source::read(p).unwrap_or_else(|e| panic!("{e}"))).collect()
}

/// One mention a line, `surface/kind@span id name`, after a summary by kind.
fn render_golden(text: &str, mentions: &Mentions) -> String {
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for m in mentions {
        *by_kind.entry(m.kind()).or_default() += 1;
    }
    let mut out = format!("# {} mentions:", mentions.len());
    for (kind, n) in by_kind {
        out.push_str(&format!(" {kind} {n}"));
    }
    out.push('\n');
    for m in mentions {
        out.push_str(&format!("{}/{}@{} {} {}\n", &text[m.span().range()], m.kind(), m.span(), m.id(), m.name()));
    }
    out
}

#[test]
fn samples_golden_mentions() {
    let gazetteer = Gazetteer::from_sources(&repo_sources(), CompileOptions::default()).unwrap();
    for (stem, text) in converted_samples() {
        let mentions = gazetteer.find(&text, &[]);
        let path = util::repo().join(format!("tests/golden/gazetteer/{stem}.txt"));
        zhpipe_core::check_golden(path, &render_golden(&text, &mentions));
    }
}

#[test]
fn every_engine_gives_identical_mentions_on_the_samples() {
    let sources = repo_sources();
    let samples = converted_samples();
    for overlapping in [false, true] {
        let engines = util::engines(overlapping);
        let reference = Gazetteer::from_sources(&sources, engines[0].1).unwrap();
        for (name, options) in &engines[1..] {
            let other = Gazetteer::from_sources(&sources, *options).unwrap();
            for (stem, text) in &samples {
                let expected = reference.find(text, &[]);
                assert!(!expected.is_empty(), "{stem}: no mentions at all");
                assert_eq!(
                    other.find(text, &[]),
                    expected,
                    "{name} differs from daachorse on {stem} (overlapping {overlapping})"
                );
            }
        }
    }
}

#[test]
fn sample_mentions_readers_expect() {
    // A reader's reading of sample 001, spot-checked independently of the golden file.
    let gazetteer = Gazetteer::from_sources(&repo_sources(), CompileOptions::default()).unwrap();
    let samples = converted_samples();
    let (_, text) = samples.iter().find(|(stem, _)| stem.starts_with("001")).unwrap();
    let found: Vec<String> =
        gazetteer.find(text, &[]).iter().map(|m| format!("{}/{}", &text[m.span().range()], m.id())).collect();
    for expected in [
        "北京市委/org:beijing-party-committee",
        "尹力/person:yin-li",
        "国家发展改革委/org:ndrc",
        "通武廊/policy:tongwulang",
        "轨道上的京津冀/policy:rail-jjj",
        "新两翼/policy:new-two-wings",
        "雄安新区/place:xiongan",
        "北京城市副中心/place:beijing-sub-centre",
        "滨海新区战略合作功能区/zone:binhai-cooperation-zone",
        "河北日报/org:hebei-daily",
        "曹妃甸/place:130209",
        "环京地区/region:huanjing",
    ] {
        assert!(found.iter().any(|f| f == expected), "missing {expected}");
    }
    assert!(!found.iter().any(|f| f.starts_with("津/")), "short aliases are off by default");
}

/// The shipped dictionaries list one surface under two ids once, and say which wins: 大兴国际机场
/// is the airport (organisations.tsv), not the town-level division of places.tsv.
#[test]
fn shipped_dictionaries_state_which_id_wins_a_shared_surface() {
    let dictionaries = zhpipe_gazetteer::Dictionaries::parse(&repo_sources()).unwrap_or_else(|e| panic!("{e}"));
    let shadowed: Vec<(&str, &str, &str)> =
        dictionaries.shadowed.iter().map(|s| (s.surface.as_str(), s.lost.as_str(), s.kept.as_str())).collect();
    assert_eq!(shadowed, [("大兴国际机场", "place:110115406", "org:daxing-airport")]);
    assert!(dictionaries.shadowed[0].location.ends_with("places.tsv:6434"), "{:?}", dictionaries.shadowed[0]);
    assert!(dictionaries.shadowed[0].winner.ends_with("organisations.tsv:58"), "{:?}", dictionaries.shadowed[0]);
    let gazetteer = Gazetteer::from_sources(&repo_sources(), CompileOptions::default()).unwrap();
    let text = "大兴国际机场";
    let found: Vec<String> = gazetteer.find(text, &[]).iter().map(|m| format!("{}/{}", m.id(), m.kind())).collect();
    assert_eq!(found, ["org:daxing-airport/organisation"]);
}
