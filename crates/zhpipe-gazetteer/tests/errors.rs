//! Every way a dictionary or stage config is refused, with the file and line in the message.

mod util;

use std::path::Path;

use zhpipe_core::{Registry, StageSpec};
use zhpipe_gazetteer::{Dictionaries, Source};

fn error_of(sources: &[Source]) -> String {
    match Dictionaries::parse(sources) {
        Ok(_) => panic!("accepted a bad dictionary"),
        Err(e) => e.to_string(),
    }
}

fn one(text: &str) -> String {
    error_of(&[Source::from_text("places", text)])
}

const HEADER: &str = "surface\tid\tkind\tparent\tattributes\n";

#[test]
fn missing_column() {
    assert_eq!(
        one(&format!("{HEADER}北京\tplace:110000\n")),
        "places.tsv:2: missing column `kind` (columns are tab-separated)"
    );
    assert_eq!(one(&format!("{HEADER}北京\n")), "places.tsv:2: missing column `id` (columns are tab-separated)");
}

#[test]
fn empty_surface() {
    assert_eq!(one(&format!("# comment\n{HEADER}\n\tplace:110000\tprovince\n")), "places.tsv:4: empty surface");
    assert_eq!(one(&format!("{HEADER} \tplace:110000\tprovince\n")), "places.tsv:2: empty surface");
}

#[test]
fn surface_with_surrounding_space() {
    assert!(one(&format!("{HEADER}北京 \tplace:110000\tprovince\n")).starts_with("places.tsv:2: surface \"北京 \""));
}

#[test]
fn empty_id_and_kind() {
    assert!(one(&format!("{HEADER}北京\t\tprovince\n")).starts_with("places.tsv:2: empty id"));
    assert!(one(&format!("{HEADER}北京\tplace:110000\t\n")).starts_with("places.tsv:2: empty kind"));
}

#[test]
fn one_surface_two_ids_of_one_kind() {
    let text = format!("{HEADER}鼓楼区\tplace:320106\tcounty\n鼓楼区\tplace:350102\tcounty\n");
    assert_eq!(
        one(&text),
        "places.tsv:3: \"鼓楼区\" is listed for two ids: place:350102 (county) here and place:320106 (county) at places.tsv:2; mark the line that should win with `flags=overrides`"
    );
}

#[test]
fn one_surface_two_ids_of_one_kind_across_files() {
    let a = Source::from_text("places", format!("{HEADER}北京\tplace:110000\tprovince\n"));
    let b = Source::from_text("extra", format!("# more\n{HEADER}北京\tplace:beijing\tprovince\n"));
    assert_eq!(
        error_of(&[a, b]),
        "extra.tsv:3: \"北京\" is listed for two ids: place:beijing (province) here and place:110000 (province) at places.tsv:2; mark the line that should win with `flags=overrides`"
    );
}

/// A surface under two ids of different kinds and categories went to the first dictionary
/// listed, silently; without a stated priority it is refused, naming both lines and both ids.
#[test]
fn one_surface_two_ids_in_two_dictionaries_without_a_priority() {
    let places = Source::from_text(
        "places",
        format!("#! category = place\n{HEADER}大兴国际机场\tplace:110115406\ttown\tplace:110115\n"),
    );
    let organisations = Source::from_text(
        "organisations",
        format!(
            "#! category = organisation\n{HEADER}北京大兴国际机场\torg:daxing-airport\torganisation\n大兴国际机场\torg:daxing-airport\torganisation\n"
        ),
    );
    let expected = "organisations.tsv:4: \"大兴国际机场\" is listed for two ids: org:daxing-airport (organisation) here and place:110115406 (town) at places.tsv:3; mark the line that should win with `flags=overrides`";
    assert_eq!(error_of(&[places.clone(), organisations.clone()]), expected);
    // In the other order the other line is named first: both lines are named either way.
    assert_eq!(
        error_of(&[organisations, places]),
        "places.tsv:3: \"大兴国际机场\" is listed for two ids: place:110115406 (town) here and org:daxing-airport (organisation) at organisations.tsv:4; mark the line that should win with `flags=overrides`"
    );
}

/// A third id for the surface, listed before the overriding line, is not reported early: the
/// overriding line decides for all of them.
#[test]
fn one_overriding_line_decides_for_every_other_id() {
    let text = format!(
        "{HEADER}鼓楼区\tplace:320106\tcounty\n鼓楼区\tplace:350102\tcounty\n鼓楼区\tplace:410204\tcounty\t\tflags=overrides\n"
    );
    let parsed = Dictionaries::parse(&[Source::from_text("places", text)]).unwrap();
    let lost: Vec<(&str, &str)> = parsed.shadowed.iter().map(|s| (s.location.as_str(), s.lost.as_str())).collect();
    assert_eq!(lost, [("places.tsv:2", "place:320106"), ("places.tsv:3", "place:350102")]);
    assert!(parsed.shadowed.iter().all(|s| s.kept == "place:410204" && s.winner == "places.tsv:4"));
}

#[test]
fn two_lines_that_both_override() {
    let text = format!(
        "{HEADER}黄山\tplace:341000\tprefecture\t\tflags=overrides\n黄山\tperson:huang-shan\tperson\t\tflags=overrides\n"
    );
    assert_eq!(
        one(&text),
        "places.tsv:3: \"黄山\" is listed for two ids and both lines override: person:huang-shan (person) here and place:341000 (prefecture) at places.tsv:2; one line may override"
    );
}

/// The same surface twice for one id is no conflict, and the id keeps it.
#[test]
fn one_surface_twice_for_one_id_is_fine() {
    let a = Source::from_text("places", format!("{HEADER}北京\tplace:110000\tprovince\n"));
    let b =
        Source::from_text("mine", format!("{HEADER}北京市\tplace:110000\tprovince\n北京\tplace:110000\tprovince\n"));
    let parsed = Dictionaries::parse(&[a, b]).unwrap();
    assert_eq!(parsed.patterns.len(), 2);
    assert!(parsed.shadowed.is_empty());
}

#[test]
fn a_dictionary_without_entries_holds_no_entries() {
    let cause = "holds no entries: only comments, blank lines, `#!` declarations or the header";
    for text in ["", "\n\n", "# notes only\n", "#! category = place\n# notes\n", &format!("# c\n{HEADER}\n# c\n")] {
        assert_eq!(one(text), format!("places.tsv: {cause}"), "{text:?}");
    }
    // The second of two files: the one at fault is named.
    let full = Source::from_text("places", format!("{HEADER}北京\tplace:110000\tprovince\n"));
    let empty = Source::from_text("mine", HEADER);
    assert_eq!(error_of(&[full, empty]), format!("mine.tsv: {cause}"));
    // Read from disk: the path, and no line.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.tsv");
    std::fs::write(&path, format!("#! category = place\n{HEADER}")).unwrap();
    let e = Dictionaries::parse(&[Source::read(&path).unwrap()]).unwrap_err();
    assert_eq!(e.to_string(), format!("{}: {cause}", path.display()));
    assert_eq!((e.path(), e.location()), (Some(path.as_path()), None));
}

#[test]
fn a_byte_order_mark_before_the_first_line_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.tsv");
    // Before the header, and before a declaration.
    for (text, category) in [
        (format!("\u{feff}{HEADER}习近平\tperson:xi\tperson\n"), zhpipe_core::Category::Other),
        (format!("\u{feff}#! category = person\n{HEADER}习近平\tperson:xi\tperson\n"), zhpipe_core::Category::Person),
    ] {
        std::fs::write(&path, &text).unwrap();
        assert_eq!(&std::fs::read(&path).unwrap()[..3], b"\xef\xbb\xbf");
        let parsed = Dictionaries::parse(&[Source::read(&path).unwrap()]).unwrap();
        assert_eq!(parsed.patterns[0].surface, "习近平");
        assert_eq!(parsed.categories, [category]);
    }
    // Only before the first line: one inside the file is part of its line.
    let e = Dictionaries::parse(&[Source::from_text("people", format!("# c\n\u{feff}{HEADER}"))]).unwrap_err();
    assert!(e.to_string().starts_with("people.tsv:2: the first line must be the header"), "{e}");
}

#[test]
fn one_id_two_kinds() {
    let text = format!("{HEADER}北京市\tplace:110000\tprovince\n北京\tplace:110000\tprefecture\n");
    assert_eq!(one(&text), "places.tsv:3: id place:110000 has kind prefecture here but province on its first line");
}

#[test]
fn one_id_two_parents() {
    let text =
        format!("{HEADER}和平区\tplace:120101\tcounty\tplace:120000\n和平\tplace:120101\tcounty\tplace:210000\n");
    assert!(one(&text).starts_with("places.tsv:3: id place:120101 has parent place:210000 here"));
}

#[test]
fn same_surface_with_other_flags() {
    let text = format!("{HEADER}冀\tplace:130000\tprovince\t\tflags=short\n冀\tplace:130000\tprovince\n");
    assert!(one(&text).starts_with("places.tsv:3: \"冀\" is listed again with other flags"));
}

#[test]
fn header_missing_or_wrong() {
    assert!(one("北京\tplace:110000\tprovince\n").starts_with("places.tsv:1: the first line must be the header"));
    assert!(
        one("# only a comment\nsurface\tkind\tid\n").starts_with("places.tsv:2: the first line must be the header")
    );
}

#[test]
fn too_many_columns() {
    let text = "surface\tid\tkind\n北京\tplace:110000\tprovince\tplace:1\n";
    assert_eq!(one(text), "places.tsv:2: 4 columns, but the header names 3");
}

#[test]
fn bad_attributes() {
    assert!(
        one(&format!("{HEADER}冀\tplace:130000\tprovince\t\tflags=tiny\n"))
            .starts_with("places.tsv:2: unknown flag \"tiny\" (known: short, common, block, within-token, overrides)")
    );
    assert!(
        one(&format!("{HEADER}冀\tplace:130000\tprovince\t\tshort\n"))
            .starts_with("places.tsv:2: attribute \"short\" is not key=value")
    );
}

#[test]
fn crlf_and_comments_are_fine() {
    let text = "# c\r\nsurface\tid\tkind\r\n北京\tplace:110000\tprovince\r\n\r\n# end\r\n";
    let parsed = Dictionaries::parse(&[Source::from_text("places", text)]).unwrap();
    assert_eq!(parsed.patterns[0].surface, "北京");
}

#[test]
fn invalid_utf8_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("places.tsv");
    std::fs::write(&path, b"surface\tid\tkind\n\xff\xfe\tplace:1\tprovince\n").unwrap();
    let e = Source::read(&path).unwrap_err();
    assert_eq!(e.to_string(), format!("{}:2: not valid UTF-8", path.display()));
    assert_eq!(e.location(), Some((path.as_path(), 2)));
}

fn build_stage(keys: &str, base: &Path) -> Result<(), String> {
    let mut registry = Registry::new();
    zhpipe_gazetteer::register(&mut registry);
    let spec = StageSpec::from_toml("gazetteer", keys, base).map_err(|e| e.to_string())?;
    let entry = zhpipe_core::StageEntry {
        number: 1,
        name: "gazetteer".into(),
        line: Some(3),
        table: spec.table().clone(),
        source: None,
    };
    registry.build(&entry, base).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn stage_refuses_a_missing_dictionary_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = build_stage("dictionaries = ['nowhere.tsv']\ncache_dir = ''", dir.path()).unwrap_err();
    assert!(e.starts_with("[[stage]] #1 `gazetteer` (line 3): "), "{e}");
    assert!(e.contains("nowhere.tsv"), "{e}");
}

#[test]
fn stage_refuses_a_bad_dictionary_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.tsv"), format!("{HEADER}北京\tplace:110000\n")).unwrap();
    let e = build_stage("dictionaries = ['bad.tsv']\ncache_dir = ''", dir.path()).unwrap_err();
    assert!(e.ends_with("bad.tsv:2: missing column `kind` (columns are tab-separated)"), "{e}");
}

#[test]
fn stage_refuses_unknown_keys_and_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    let e = build_stage("engin = 'daachorse'", dir.path()).unwrap_err();
    assert!(e.contains("unknown field `engin`"), "{e}");
    let e = build_stage("engine = 'regex'", dir.path()).unwrap_err();
    assert!(e.contains("unknown variant `regex`"), "{e}");
    let e = build_stage("dictionaries = []", dir.path()).unwrap_err();
    assert!(e.contains("`dictionaries` is empty"), "{e}");
}

#[test]
fn stage_builds_from_the_repository_defaults() {
    // The default pipeline's `[[stage]] use = "gazetteer"` has no keys.
    let dir = tempfile::tempdir().unwrap();
    let keys = format!("cache_dir = '{}'", dir.path().display());
    build_stage(&keys, &util::repo()).unwrap();
}

#[test]
fn bad_category_declarations() {
    assert_eq!(
        one(&format!("#! category = city\n{HEADER}")),
        "places.tsv:1: unknown category `city`, expected one of place, organisation, person, policy, other"
    );
    assert_eq!(
        one(&format!("#! kind = place\n{HEADER}")),
        "places.tsv:1: unknown declaration `kind`; the one key is `category`"
    );
    assert_eq!(one(&format!("#! place\n{HEADER}")), "places.tsv:1: declaration \"place\" is not `key = value`");
    assert_eq!(
        one(&format!("#! category = place\n#! category = person\n{HEADER}")),
        "places.tsv:2: the category is declared twice"
    );
    assert_eq!(
        one(&format!("{HEADER}#! category = place\n")),
        "places.tsv:2: a `#!` declaration must come before the header"
    );
}

#[test]
fn each_dictionary_declares_its_category_and_the_rest_are_other() {
    let parsed = Dictionaries::parse(&[
        Source::from_text("people", format!("#! category = person\n# who\n{HEADER}习近平\tperson:xi\tperson\n")),
        Source::from_text("mine", format!("{HEADER}雄安\tzone:xiongan\tzone\n")),
    ])
    .unwrap();
    assert_eq!(parsed.categories, [zhpipe_core::Category::Person, zhpipe_core::Category::Other]);
}
