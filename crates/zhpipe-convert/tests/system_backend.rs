//! The `opencc` backend (the system's OpenCC library) against OpenCC's test cases and against
//! the native backend. Needs the cargo feature `opencc` and libopencc with its data files.
#![cfg(feature = "opencc")]

use std::collections::BTreeMap;

use zhpipe_convert::{Backend, ConvertConfig, ConvertStage, Detect, Profile};

fn system(profile: Profile) -> ConvertStage {
    ConvertStage::new(ConvertConfig {
        profile,
        backend: Backend::Opencc,
        detect: Detect::Off,
        ..ConvertConfig::default()
    })
    .expect("the system OpenCC opens")
}

fn native(profile: Profile) -> ConvertStage {
    ConvertStage::new(ConvertConfig { profile, detect: Detect::Off, ..ConvertConfig::default() }).unwrap()
}

fn cases() -> Vec<(String, String, BTreeMap<String, String>)> {
    let text = include_str!("fixtures/opencc-testcases.json");
    let strict = regex::Regex::new(r",(\s*[}\]])").unwrap().replace_all(text, "$1");
    let json: serde_json::Value = serde_json::from_str(&strict).unwrap();
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let expected = case["expected"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect();
            (case["id"].as_str().unwrap().to_owned(), case["input"].as_str().unwrap().to_owned(), expected)
        })
        .collect()
}

#[test]
fn missing_data_directory_is_a_config_error_naming_the_file() {
    let config = ConvertConfig {
        backend: Backend::Opencc,
        opencc_data_dir: Some("/nonexistent/opencc".into()),
        ..ConvertConfig::default()
    };
    let error = ConvertStage::new(config).unwrap_err().to_string();
    assert!(error.contains("/nonexistent/opencc/t2s.json not found"), "{error}");
}

/// Debian 12's libopencc 1.1.6 predates the current test cases (its dictionaries lack many
/// later fixes), so this is a floor that catches a broken binding or data directory, with the
/// failures printed for reading; the cases of OpenCC 1.1.9 below must all pass.
#[test]
fn system_backend_on_current_opencc_test_cases() {
    let mut report = Vec::new();
    let (mut checked, mut passed) = (0, 0);
    for profile in Profile::ALL {
        let stage = system(profile);
        for (id, input, expected) in cases() {
            let Some(expected) = expected.get(profile.name()) else { continue };
            checked += 1;
            let (actual, _) = stage.convert(&input);
            if &actual == expected {
                passed += 1;
            } else {
                report.push(format!("{} {id}: {input} → {actual} (expected {expected})", profile.name()));
            }
        }
    }
    eprintln!("system OpenCC: {passed} of {checked} current cases pass; failing:\n{}", report.join("\n"));
    assert_eq!(checked, 484);
    assert!(passed >= 225, "only {passed} of {checked} cases pass");
}

/// OpenCC 1.1.9's line-aligned cases (`X.in` line N converts to `X.ans` line N), the release
/// closest to the system library.
#[test]
fn system_backend_passes_opencc_1_1_9_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/opencc-1.1.9");
    let mut failed = Vec::new();
    let mut checked = 0;
    for profile in Profile::ALL {
        let input = dir.join(format!("{}.in", profile.name()));
        let Ok(input) = std::fs::read_to_string(&input) else { continue };
        let answers = std::fs::read_to_string(dir.join(format!("{}.ans", profile.name()))).unwrap();
        let stage = system(profile);
        for (line, answer) in input.lines().zip(answers.lines()) {
            checked += 1;
            let (actual, _) = stage.convert(line);
            if actual != answer {
                failed.push(format!("{}: {line} → {actual} (expected {answer})", profile.name()));
            }
        }
    }
    assert!(checked >= 30, "{checked}");
    // Fixed in OpenCC after 1.1.6: the Taiwan IT vocabulary split these company names.
    let known =
        ["s2twp: 摩尔线程 → 摩爾執行緒 (expected 摩爾線程)", "s2twp: 字节跳动 → 位元組跳動 (expected 字節跳動)"];
    assert_eq!(failed, known, "{}", failed.join("\n"));
}

/// The gateway's pinyin after characters, `協(xié)同`, which the clean stage removes.
fn strip_pinyin(text: &str) -> String {
    regex::Regex::new(r"\([a-zàáâãäèéêëìíîïòóôõöùúûüāēěīōūǎǐǒǔǖǘǚǜńňḿ]+\)").unwrap().replace_all(text, "").into_owned()
}

/// Where the two backends differ on `text`: `source → native | opencc`, one line per distinct
/// difference with how often it occurs. Paragraphs whose conversions keep their number of
/// characters are compared character by character (runs of differing characters together);
/// others are listed whole.
fn differences(profile: Profile, text: &str, found: &mut BTreeMap<String, usize>) {
    let (native, system) = (native(profile), system(profile));
    for paragraph in text.split_inclusive('\n') {
        let (a, _) = native.convert(paragraph);
        let (b, _) = system.convert(paragraph);
        if a == b {
            continue;
        }
        let source: Vec<char> = paragraph.chars().collect();
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        if a.len() != source.len() || b.len() != source.len() {
            let line = format!(
                "{} {} → {} | {}",
                profile.name(),
                paragraph.trim(),
                a.iter().collect::<String>().trim(),
                b.iter().collect::<String>().trim()
            );
            *found.entry(line).or_default() += 1;
            continue;
        }
        let mut i = 0;
        while i < source.len() {
            if a[i] == b[i] {
                i += 1;
                continue;
            }
            let start = i;
            while i < source.len() && a[i] != b[i] {
                i += 1;
            }
            let run = |v: &[char]| v[start..i].iter().collect::<String>();
            let line = format!("{} {} → {} | {}", profile.name(), run(&source), run(&a), run(&b));
            *found.entry(line).or_default() += 1;
        }
    }
}

fn sample(name: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/samples");
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(name))
        .unwrap();
    std::fs::read_to_string(path).unwrap()
}

/// Lists where the backends differ on the samples (the Traditional-reading profiles on the
/// Traditional ones, the Simplified-reading ones on the Simplified ones) in `tests/golden/convert/backend-differences.txt`, which the crate
/// documentation summarises; `cargo xtask bless` (with the feature) rewrites it.
#[test]
fn backends_differ_only_where_listed_on_samples() {
    let mut found = BTreeMap::new();
    for profile in [Profile::T2s, Profile::Tw2s, Profile::Tw2sp, Profile::Hk2s, Profile::T2tw, Profile::T2hk] {
        for name in ["002", "004"] {
            differences(profile, &strip_pinyin(&sample(name)), &mut found);
        }
    }
    for profile in [Profile::S2t, Profile::S2tw, Profile::S2twp, Profile::S2hk] {
        for name in ["000", "001", "003"] {
            differences(profile, &sample(name), &mut found);
        }
    }
    let mut listing = String::from("# profile source → native | opencc (Debian libopencc 1.1.6)  ×count\n");
    for (line, count) in &found {
        listing.push_str(&format!("{line}  ×{count}\n"));
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden/convert/backend-differences.txt");
    zhpipe_core::check_golden(path, &listing);
}
