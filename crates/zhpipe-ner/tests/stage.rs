//! The `ner` stage with the repository's model: what it finds, how its names meet the
//! dictionaries' in the mention layer, and that every span it writes is sound.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use zhpipe_core::{
    Category, Document, EntryList, EntryNames, EntryTable, Layers, Mention, PipelineConfig, Registry, Span, Stage,
    StageSpec,
};
use zhpipe_ner::{Model, Ner};

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../dictionaries/ner.model");
        Model::load(&path).expect("the repository's model loads")
    })
}

/// A document of `text` as one sentence, with `places` already found by a gazetteer.
fn document(text: &str, places: &[(&str, &str)]) -> Document {
    let mut doc = Document::from_text("d", text);
    doc.sentences = vec![Span::new(0, text.len())];
    doc.mark_filled(Layers::SENTENCES);
    if !places.is_empty() {
        let mut list = EntryList::new();
        let mut found = Vec::new();
        for &(surface, id) in places {
            let names =
                EntryNames { id, kind: "prefecture", name: surface, dictionary: "places", category: Category::Place };
            let entry = list.add(names);
            let start = text.find(surface).expect("place in text");
            found.push((Span::new(start, start + surface.len()), entry));
        }
        let table: Arc<dyn EntryTable> = Arc::new(list);
        let id = doc.mentions.table_id(&table);
        doc.mentions.append(found.into_iter().map(|(s, e)| Mention::new(s, id, e)).collect(), Default::default());
        doc.mark_filled(Layers::MENTIONS);
    }
    doc
}

/// A document of `text` after the default pipeline's segment and gazetteer stages, as the
/// stage sees it in a run.
fn prepared(text: &str) -> Document {
    static STAGES: OnceLock<Vec<Box<dyn Stage>>> = OnceLock::new();
    let stages = STAGES.get_or_init(|| {
        let mut registry = Registry::new();
        zhpipe_segment::register(&mut registry);
        zhpipe_gazetteer::register(&mut registry);
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pipeline.toml");
        let config = PipelineConfig::parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
        config
            .stages
            .iter()
            .filter(|e| e.name == "segment" || e.name == "gazetteer")
            .map(|e| registry.build(e, &config.base_dir()).unwrap())
            .collect()
    });
    let mut doc = Document::from_text("d", text);
    for stage in stages {
        stage.process(&mut doc).unwrap();
        doc.mark_filled(stage.descriptor().provides);
    }
    doc
}

fn mentions(doc: &Document) -> Vec<(String, String, String, String)> {
    doc.mentions
        .iter()
        .map(|m| {
            (doc.text[m.span().range()].to_owned(), m.kind().to_owned(), m.id().to_owned(), m.dictionary().to_owned())
        })
        .collect()
}

fn has(doc: &Document, surface: &str, kind: &str) -> bool {
    mentions(doc).iter().any(|(s, k, _, _)| s == surface && k == kind)
}

fn is_a(doc: &Document, surface: &str, category: Category) -> bool {
    doc.mentions.iter().any(|m| &doc.text[m.span().range()] == surface && m.names().category == category)
}

#[test]
fn names_in_no_dictionary_are_found_unlinked() {
    let mut doc = prepared("新华社记者王小明在石家庄报道。");
    Ner::new(model().clone(), false).process(&mut doc).unwrap();
    let found = mentions(&doc);
    assert!(found.contains(&("王小明".into(), "person".into(), String::new(), "ner".into())), "{found:?}");
    assert!(is_a(&doc, "新华社", Category::Organisation) && is_a(&doc, "石家庄", Category::Place), "{found:?}");
}

#[test]
fn a_name_a_dictionary_covers_keeps_its_entry() {
    let mut doc = document("新华社记者王小明在石家庄报道。", &[("石家庄", "place:130100")]);
    Ner::new(model().clone(), false).process(&mut doc).unwrap();
    let at: Vec<_> = mentions(&doc).into_iter().filter(|m| m.0 == "石家庄").collect();
    assert_eq!(at, [("石家庄".into(), "prefecture".into(), "place:130100".into(), "places".into())]);
}

#[test]
fn a_surface_found_elsewhere_in_the_document_links_to_that_entry() {
    // The gazetteer matched the first 石家庄 only (as if a rule had refused the second).
    let text = "石家庄今天下雨。新华社记者王小明在石家庄报道。";
    let mut doc = document(text, &[("石家庄", "place:130100")]);
    Ner::new(model().clone(), false).process(&mut doc).unwrap();
    let ids: Vec<String> = mentions(&doc).into_iter().filter(|m| m.0 == "石家庄").map(|m| m.2).collect();
    assert_eq!(ids, ["place:130100", "place:130100"]);
}

#[test]
fn a_place_inside_an_organisation_name_is_not_a_place() {
    for (text, organisation, place) in [
        ("北京市文化局今天发布通知。", "北京市文化局", "北京市"),
        ("上海申花队以二比一战胜美国队。", "上海申花队", "上海"),
    ] {
        let mut doc = document(text, &[(place, "place:x")]);
        Ner::new(model().clone(), false).process(&mut doc).unwrap();
        assert!(has(&doc, organisation, "organisation"), "{:?}", mentions(&doc));
        assert!(!mentions(&doc).iter().any(|m| m.0 == place), "{:?}", mentions(&doc));

        let mut doc = document(text, &[(place, "place:x")]);
        Ner::new(model().clone(), true).process(&mut doc).unwrap();
        assert!(has(&doc, organisation, "organisation") && has(&doc, place, "prefecture"), "overlapping keeps both");
    }
}

#[test]
fn a_title_is_not_part_of_a_name() {
    let mut doc = prepared("李鸿忠书记强调，要推动京津冀协同发展。雄安新区管委会主任张国华出席会议。");
    Ner::new(model().clone(), false).process(&mut doc).unwrap();
    assert!(has(&doc, "李鸿忠", "person") && has(&doc, "张国华", "person"), "{:?}", mentions(&doc));
    assert!(!mentions(&doc).iter().any(|m| m.0.ends_with("书记") || m.0.ends_with("主任")));
}

#[test]
fn county_names_without_their_suffix_are_places_in_context() {
    let mut doc = prepared("恭城瑶族自治县的恭城油茶很有名，龙泉驿区和靖远县也派人参加。");
    Ner::new(model().clone(), false).process(&mut doc).unwrap();
    assert!(has(&doc, "恭城", "place"), "the bare name, which no dictionary matched: {:?}", mentions(&doc));
    assert!(is_a(&doc, "龙泉驿区", Category::Place) && is_a(&doc, "靖远县", Category::Place));
}

#[test]
fn the_stage_builds_from_its_config_and_refuses_a_missing_model_naming_it() {
    let mut registry = Registry::new();
    zhpipe_ner::register(&mut registry);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let spec = StageSpec::from_toml("ner", "model = \"dictionaries/ner.model\"", &dir).unwrap();
    let stage = zhpipe_ner::build(&spec).unwrap();
    assert_eq!(stage.descriptor().name, "ner");
    assert_eq!(stage.mention_kinds().unwrap().into_iter().collect::<Vec<_>>(), ["organisation", "person", "place"]);
    let spec = StageSpec::from_toml("ner", "model = \"no/such.model\"", &dir).unwrap();
    let err = zhpipe_ner::build(&spec).err().expect("a missing model is an error").to_string();
    assert!(err.contains("no/such.model") && err.contains("cannot read"), "{err}");
    let spec = StageSpec::from_toml("ner", "modle = \"x\"", &dir).unwrap();
    assert!(zhpipe_ner::build(&spec).err().unwrap().to_string().contains("modle"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the text, the names are on character boundaries, inside sentences, and the
    /// document passes every check after the stage.
    #[test]
    fn spans_are_sound_on_any_text(text in "[北京市文化局王小明新华社记者在石家庄报道。a-z1 ，、]{0,40}") {
        let mut doc = Document::from_text("p", text.clone());
        let mut sentences = Vec::new();
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if c == '。' {
                sentences.push(Span::new(start, i + c.len_utf8()));
                start = i + c.len_utf8();
            }
        }
        if start < text.len() {
            sentences.push(Span::new(start, text.len()));
        }
        doc.sentences = sentences;
        doc.mark_filled(Layers::SENTENCES);
        let ner = Ner::new(model().clone(), false);
        for (span, _) in ner.find(&doc) {
            prop_assert!(span.is_valid_in(&doc.text) && !span.is_empty());
            prop_assert!(doc.sentences.iter().any(|s| s.contains(span)));
        }
        ner.process(&mut doc).unwrap();
        doc.mark_filled(Layers::MENTIONS);
        prop_assert!(doc.check().is_ok(), "{:?}", doc.check());
    }
}
