//! OpenCC's own test cases (`test/testcases/testcases.json` of OpenCC, Apache-2.0), for every
//! profile this crate offers.

use std::collections::BTreeMap;

use zhpipe_convert::{Converter, Profile};

struct Case {
    id: String,
    input: String,
    expected: BTreeMap<String, String>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("fixtures/opencc-testcases.json");
    // OpenCC's file has trailing commas, which strict JSON refuses.
    let strict = regex::Regex::new(r",(\s*[}\]])").unwrap().replace_all(text, "$1");
    let json: serde_json::Value = serde_json::from_str(&strict).expect("test cases parse");
    json["cases"]
        .as_array()
        .expect("cases array")
        .iter()
        .map(|case| Case {
            id: case["id"].as_str().unwrap().to_owned(),
            input: case["input"].as_str().unwrap().to_owned(),
            expected: case["expected"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect(),
        })
        .collect()
}

/// Runs every case of `profile`; returns the ids of the failing ones with what was produced.
fn failures(profile: Profile, include_tofu_risk: bool) -> (usize, Vec<String>) {
    let converter = Converter::build(profile, include_tofu_risk).unwrap();
    let mut checked = 0;
    let mut failed = Vec::new();
    for case in cases() {
        let Some(expected) = case.expected.get(profile.name()) else { continue };
        checked += 1;
        let actual = converter.convert(&case.input);
        if &actual != expected {
            failed.push(format!("{} {}: {} → {actual} (expected {expected})", profile.name(), case.id, case.input));
        }
    }
    (checked, failed)
}

/// OpenCC runs its test cases with the tofu-risk dictionaries included.
#[test]
fn every_profile_passes_opencc_test_cases() {
    let mut all_failed = Vec::new();
    let mut total = 0;
    for profile in Profile::ALL {
        let (checked, failed) = failures(profile, true);
        assert!(checked > 0, "no test cases for {}", profile.name());
        total += checked;
        all_failed.extend(failed);
    }
    assert_eq!(total, 484, "cases checked");
    assert!(all_failed.is_empty(), "{} of {total} cases fail:\n{}", all_failed.len(), all_failed.join("\n"));
}

/// Without the tofu-risk dictionaries (the default), only the cases that probe them differ.
#[test]
fn default_t2s_differs_only_on_tofu_risk_probes() {
    let (_, failed) = failures(Profile::T2s, false);
    let ext = zhpipe_convert::dict::TextDict::tofu_risk_extension(
        "TSCharacters.txt",
        zhpipe_convert::native::embedded_dictionary("TSCharacters.txt").unwrap(),
    )
    .unwrap();
    let rare: Vec<&str> = ext.entries.iter().map(|e| e.key.as_str()).collect();
    assert!(!failed.is_empty(), "the tofu-risk cases should need the tofu-risk dictionaries");
    for case in cases() {
        if case.expected.contains_key("t2s") && failed.iter().any(|f| f.starts_with(&format!("t2s {}:", case.id))) {
            assert!(
                rare.iter().any(|k| case.input.contains(k)),
                "{} fails without tofu-risk dictionaries but has no tofu-risk character",
                case.id
            );
        }
    }
}

#[test]
fn regional_phrases_project_without_conflicts() {
    // OpenCC's build stops when two regional phrases have the same Simplified form.
    assert_eq!(zhpipe_convert::native::regional_phrase_conflicts(), Vec::new());
}

mod against_reference {
    //! The flattened automata against OpenCC's algorithm run literally (position by position
    //! over the unflattened groups), on text made of dictionary keys and pieces of them, so
    //! that phrases overlap and compete the way they do in real text.

    use std::sync::OnceLock;

    use proptest::prelude::*;
    use zhpipe_convert::native::{Reference, embedded_dictionary};
    use zhpipe_convert::{Converter, Profile};

    /// Keys of the phrase and variant dictionaries, their prefixes and suffixes, and some
    /// characters: every 7th entry of each file keeps the pool small.
    fn pool() -> &'static [String] {
        static POOL: OnceLock<Vec<String>> = OnceLock::new();
        POOL.get_or_init(|| {
            let mut pool = Vec::new();
            for file in [
                "TSPhrases.txt",
                "TWPhrasesRev.txt",
                "TWVariantsRevPhrases.txt",
                "HKVariantsRevPhrases.txt",
                "TWPhrases.txt",
                "TWVariantsPhrases.txt",
                "HKVariantsPhrases.txt",
                "STPhrases.txt",
                "TSCharacters.txt",
                "STCharacters.txt",
                "TWVariants.txt",
                "HKVariants.txt",
                "HKPhrases.txt",
            ] {
                let text = embedded_dictionary(file).unwrap();
                let dict = zhpipe_convert::dict::TextDict::parse(file, text).unwrap();
                let step = if file == "STPhrases.txt" { 97 } else { 7 };
                for entry in dict.entries.iter().step_by(step) {
                    let key = &entry.key;
                    pool.push(key.clone());
                    let cut = key.char_indices().nth(key.chars().count() / 2).map_or(0, |(i, _)| i);
                    if cut > 0 {
                        pool.push(key[..cut].to_owned());
                        pool.push(key[cut..].to_owned());
                    }
                    pool.push(entry.candidates[0].clone());
                }
            }
            // Keys a `short_circuit` group shadows (tw2sp: TWPhrasesRev has 宏 and 高級, so
            // TWVariantsRevPhrases' 宏內核 and 高級管理人才 never match there).
            pool.extend(["宏內核", "內核", "高級管理人才", "核心"].map(String::from));
            pool.extend(["，", " ", "\n", "a", "\u{F900}"].map(String::from));
            pool
        })
    }

    fn engines() -> &'static [(Converter, Reference)] {
        static ENGINES: OnceLock<Vec<(Converter, Reference)>> = OnceLock::new();
        ENGINES.get_or_init(|| {
            Profile::ALL
                .iter()
                .map(|&p| (Converter::build(p, false).unwrap(), Reference::build(p, false).unwrap()))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn automata_agree_with_opencc_algorithm(
            picks in prop::collection::vec(any::<prop::sample::Index>(), 1..24),
            profile in 0..Profile::ALL.len(),
        ) {
            let pool = pool();
            let text: String = picks.iter().map(|i| i.get(pool).as_str()).collect();
            let (converter, reference) = &engines()[profile];
            prop_assert_eq!(converter.convert(&text), reference.convert(&text), "{} on {:?}", Profile::ALL[profile].name(), text);
        }
    }
}
