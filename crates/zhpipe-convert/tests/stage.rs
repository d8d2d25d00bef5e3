//! The `convert` stage on real text: table tests, the samples, offsets and bad configs.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use zhpipe_convert::{ConvertConfig, ConvertStage, Converter, Detect, Profile};
use zhpipe_core::{Document, OffsetMap, Span, Stage, StageSpec};

fn stage(keys: &str) -> ConvertStage {
    ConvertStage::from_spec(&StageSpec::from_toml("convert", keys, ".").unwrap()).unwrap()
}

fn build_error(keys: &str) -> String {
    ConvertStage::from_spec(&StageSpec::from_toml("convert", keys, ".").unwrap()).unwrap_err().to_string()
}

/// `t!(name, profile, input, expected)`: `input` converts to `expected` with `profile`.
macro_rules! t {
    ($name:ident, $profile:ident, $input:expr, $expected:expr) => {
        #[test]
        fn $name() {
            let converter = Converter::build(Profile::$profile, false).unwrap();
            assert_eq!(converter.convert($input), $expected);
        }
    };
}

t!(conv001_characters, T2s, "協同發展", "协同发展");
t!(conv002_phrase_before_character, T2s, "乾隆皇帝乾燥", "乾隆皇帝干燥");
t!(conv003_compatibility_ideograph_normalised, T2s, "\u{F900}車", "岂车");
t!(conv004_s2t_one_to_many_by_phrase, S2t, "头发发展", "頭髮發展");
t!(conv005_taiwan_phrases, S2twp, "鼠标和软件", "滑鼠和軟體");
t!(conv006_taiwan_back_with_mainland_phrases, Tw2sp, "滑鼠和軟體", "鼠标和软件");
t!(conv007_hong_kong_variants, S2hk, "着眼于", "着眼於");
t!(conv008_t2tw_variants, T2tw, "爲什麼", "為什麼");
t!(conv009_ascii_untouched, T2s, "GDP 增長 6.5%", "GDP 增长 6.5%");
t!(conv010_empty, T2s, "", "");
fn sample(name: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/samples");
    let entry = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(name))
        .unwrap_or_else(|| panic!("no sample {name} in {}", dir.display()));
    std::fs::read_to_string(entry).unwrap()
}

/// The gateway's pinyin after characters, `協(xié)同`, which the clean stage removes.
fn strip_pinyin(text: &str) -> String {
    regex::Regex::new(r"\([a-zàáâãäèéêëìíîïòóôõöùúûüāēěīōūǎǐǒǔǖǘǚǜńňḿ]+\)").unwrap().replace_all(text, "").into_owned()
}

/// Characters whose t2s mapping in `TSCharacters` differs from them.
fn traditional_only() -> HashSet<char> {
    let text = zhpipe_convert::native::embedded_dictionary("TSCharacters.txt").unwrap();
    let dict = zhpipe_convert::dict::TextDict::parse("TSCharacters.txt", text).unwrap();
    dict.entries
        .iter()
        .filter(|e| e.candidates[0] != e.key && e.key.chars().count() == 1)
        .map(|e| e.key.chars().next().unwrap())
        .collect()
}

#[test]
fn traditional_samples_convert_without_traditional_characters_left() {
    let traditional = traditional_only();
    let stage = stage("");
    for name in ["002", "004"] {
        let text = strip_pinyin(&sample(name));
        let mut doc = Document::from_text(name, text.clone());
        stage.process(&mut doc).unwrap();
        let left: Vec<char> = doc.text.chars().filter(|c| traditional.contains(c)).collect();
        assert!(left.is_empty(), "{name}: Traditional characters left: {left:?}");
        assert_eq!(doc.original().map(|o| o.text()), Some(text.as_str()), "{name}");
        assert!(doc.text.contains("协同发展"), "{name}");
        let note = doc.notes.iter().find(|n| n.kind == "script").unwrap();
        assert!(note.message.starts_with("traditional:"), "{name}: {}", note.message);
        // The whole converted text maps onto the whole original.
        let map = doc.original().unwrap().map();
        assert_eq!(map.to_original(Span::new(0, doc.text.len())), Span::new(0, text.len()));
    }
}

#[test]
fn simplified_samples_pass_through_byte_identical() {
    let stage = stage("");
    for name in ["000", "001", "003"] {
        let text = sample(name);
        let mut doc = Document::from_text(name, text.clone());
        stage.process(&mut doc).unwrap();
        assert_eq!(doc.text, text, "{name}");
        assert!(doc.original().is_none(), "{name}");
        let note = doc.notes.iter().find(|n| n.kind == "script").unwrap();
        assert!(note.message.starts_with("simplified:"), "{name}: {}", note.message);
        assert!(note.message.ends_with("passed through unchanged"), "{name}: {}", note.message);
    }
}

#[test]
fn mixed_document_converts_only_traditional_paragraphs() {
    let mut doc = Document::from_text("d", "協同發展\n这是简体，乾燥\n\n國務院發佈\n");
    stage("").process(&mut doc).unwrap();
    assert_eq!(doc.text, "协同发展\n这是简体，乾燥\n\n国务院发布\n");
    let note = doc.notes.iter().find(|n| n.kind == "script").unwrap();
    // The blank line counts as neither.
    assert_eq!(note.count, Some(2));
    assert!(note.message.contains("converted 2 of 4 paragraphs with t2s (native)"), "{}", note.message);
}

#[test]
fn metadata_of_a_converted_document_is_converted_too() {
    let mut doc = Document::from_text("m", "京津冀協同發展取得顯著成效。\n");
    doc.meta.title = Some("協同發展".into());
    doc.meta.source = Some("河北新聞網".into());
    doc.meta.editors = vec!["何美萱".into()];
    doc.meta.url = Some("http://example.com/協同".into());
    stage("").process(&mut doc).unwrap();
    assert_eq!(doc.meta.title.as_deref(), Some("协同发展"));
    assert_eq!(doc.meta.source.as_deref(), Some("河北新闻网"));
    assert_eq!(doc.meta.editors, ["何美萱"]);
    assert_eq!(doc.meta.url.as_deref(), Some("http://example.com/協同"), "URLs are identifiers, not text");
    assert!(
        doc.notes.iter().any(|n| n.kind == "script" && n.message.ends_with("2 metadata fields too")),
        "{:?}",
        doc.notes
    );

    // A Simplified document's metadata is left as it is, whatever its script.
    let mut doc = Document::from_text("s", "京津冀协同发展取得显著成效。\n");
    doc.meta.source = Some("河北新聞網".into());
    stage("").process(&mut doc).unwrap();
    assert_eq!(doc.meta.source.as_deref(), Some("河北新聞網"));
}

#[test]
fn document_detection_converts_all_or_nothing() {
    let text = "協同發展國務院\n这是简体，乾燥\n";
    let mut doc = Document::from_text("d", text);
    stage("detect = 'document'").process(&mut doc).unwrap();
    assert_eq!(doc.text, "协同发展国务院\n这是简体，干燥\n");

    let mut doc = Document::from_text("d", "这是简体\n協同\n");
    stage("detect = 'document'").process(&mut doc).unwrap();
    assert_eq!(doc.text, "这是简体\n協同\n");
}

#[test]
fn s2t_profile_converts_simplified_and_keeps_traditional() {
    let mut doc = Document::from_text("d", "协同发展\n協同發展\n");
    stage("profile = 's2t'").process(&mut doc).unwrap();
    assert_eq!(doc.text, "協同發展\n協同發展\n");
}

#[test]
fn length_changing_phrase_maps_back_to_its_source() {
    // s2twp: 打印机 → 印表機, and U盘 (2 chars) → 隨身碟 (3 chars).
    let converter = Converter::build(Profile::S2twp, false).unwrap();
    let input = "打印机和U盘";
    let (out, map) = converter.convert_with_offsets(input);
    assert_ne!(out.len(), input.len(), "{out}");
    for (start, c) in out.char_indices() {
        let span = map.to_original(Span::new(start, start + c.len_utf8()));
        assert!(span.is_valid_in(input), "{c} → {span}");
    }
    assert_eq!(map.to_original(Span::new(0, out.len())), Span::new(0, input.len()));
}

#[test]
fn bad_configs_are_refused_with_the_cause() {
    assert!(build_error("profile = 'x2y'").contains("unknown variant `x2y`"), "{}", build_error("profile = 'x2y'"));
    assert!(build_error("profil = 't2s'").contains("unknown field `profil`"));
    assert!(build_error("detect = 'sometimes'").contains("unknown variant `sometimes`"));
    #[cfg(not(feature = "opencc"))]
    assert!(build_error("backend = 'opencc'").contains("cargo feature `opencc`"));
}

#[test]
fn config_type_builds_directly() {
    let config = ConvertConfig { profile: Profile::Hk2s, detect: Detect::Off, ..ConvertConfig::default() };
    let stage = ConvertStage::new(config).unwrap();
    let mut doc = Document::from_text("d", "這是香港");
    stage.process(&mut doc).unwrap();
    assert_eq!(doc.text, "这是香港");
}

/// Pieces of text the property tests combine: Traditional and Simplified characters, phrase
/// keys, a supplementary-plane character, a compatibility ideograph, ASCII and newlines.
const PIECES: &[&str] = &[
    "發",
    "展",
    "協",
    "同",
    "國",
    "務",
    "院",
    "乾隆",
    "乾",
    "頭髮",
    "发",
    "头",
    "鼠标",
    "软件",
    "打印机",
    "𠀀",
    "𫝈",
    "㑮",
    "\u{F900}",
    "a",
    "Z",
    "1",
    " ",
    "\n",
    "，",
    "。",
    "為什麼",
    "臺灣",
    "著",
];

/// Characters t2s maps to one character of the same UTF-8 length, and no phrase touches.
const ONE_TO_ONE: &[&str] = &["發", "展", "協", "國", "務", "a", " ", "，", "車", "東", "語", "學"];

fn text_from(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(pieces), 0..40).prop_map(|p| p.concat())
}

/// One stage per profile, converting everything, built once for all cases.
fn stages() -> &'static [ConvertStage] {
    static STAGES: OnceLock<Vec<ConvertStage>> = OnceLock::new();
    STAGES.get_or_init(|| {
        Profile::ALL
            .iter()
            .map(|&profile| {
                ConvertStage::new(ConvertConfig { profile, detect: Detect::Off, ..ConvertConfig::default() }).unwrap()
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn spans_map_back_onto_char_boundaries(text in text_from(PIECES), profile in prop::sample::select(&Profile::ALL[..])) {
        let stage = &stages()[Profile::ALL.iter().position(|&p| p == profile).unwrap()];
        let mut doc = Document::from_text("p", text.clone());
        stage.process(&mut doc).unwrap();
        let original = doc.original().map_or(text.as_str(), |o| o.text()).to_owned();
        prop_assert_eq!(&original, &text);
        let map = doc.original().map_or_else(|| OffsetMap::identity(text.len()), |o| o.map().clone());
        let boundaries: Vec<usize> = doc.text.char_indices().map(|(i, _)| i).chain([doc.text.len()]).collect();
        for (n, &start) in boundaries.iter().enumerate() {
            for &end in &boundaries[n..] {
                let span = map.to_original(Span::new(start, end));
                prop_assert!(span.is_valid_in(&original), "{}..{} → {} in {:?} from {:?}", start, end, span, doc.text, original);
            }
        }
        prop_assert_eq!(map.to_original(Span::new(0, doc.text.len())), Span::new(0, original.len()));
    }

    #[test]
    fn one_to_one_conversions_round_trip(text in text_from(ONE_TO_ONE)) {
        static T2S: OnceLock<Converter> = OnceLock::new();
        let converter = T2S.get_or_init(|| Converter::build(Profile::T2s, false).unwrap());
        let (out, map) = converter.convert_with_offsets(&text);
        prop_assert_eq!(out.len(), text.len());
        prop_assert!(map.is_identity());
        for (start, c) in out.char_indices() {
            let span = map.to_original(Span::new(start, start + c.len_utf8()));
            prop_assert_eq!(span, Span::new(start, start + c.len_utf8()));
            // Converting the source character again gives the converted one.
            prop_assert_eq!(converter.convert(&text[span.range()]), c.to_string());
        }
    }
}
