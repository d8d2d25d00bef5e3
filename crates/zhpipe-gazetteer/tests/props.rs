//! Both engines against a naive reference matcher, on random dictionaries and texts.

mod util;

use proptest::prelude::*;
use zhpipe_gazetteer::{CompileOptions, Source};

/// A small alphabet, mixing one-, two- and three-byte characters, so that patterns overlap,
/// nest and share prefixes and suffixes often.
const ALPHABET: &[char] = &['a', 'b', 'é', '北', '京', '津', '冀'];

fn word(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(ALPHABET), 1..=max).prop_map(|cs| cs.into_iter().collect())
}

/// Leftmost-longest by definition: at each position, the longest pattern starting there; after
/// a match, continue at its end; otherwise one character further.
fn naive_leftmost_longest(patterns: &[String], text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let longest = patterns.iter().filter(|p| text[at..].starts_with(p.as_str())).map(|p| p.len()).max();
        match longest {
            Some(len) => {
                out.push((at, at + len));
                at += len;
            }
            None => at += text[at..].chars().next().unwrap().len_utf8(),
        }
    }
    out
}

/// Every occurrence of every pattern, by (start, end).
fn naive_overlapping(patterns: &[String], text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (start, _) in text.char_indices() {
        for p in patterns {
            if text[start..].starts_with(p.as_str()) {
                out.push((start, start + p.len()));
            }
        }
    }
    out.sort();
    out
}

fn source(patterns: &[String]) -> Source {
    let mut text = String::from("surface\tid\tkind\n");
    for (i, p) in patterns.iter().enumerate() {
        text.push_str(&format!("{p}\tid:{i}\tk{}\n", i % 3));
    }
    Source::from_text("random", text)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn engines_agree_with_the_reference(
        patterns in proptest::collection::btree_set(word(4), 1..12),
        text in word(40),
        overlapping in any::<bool>(),
    ) {
        let patterns: Vec<String> = patterns.into_iter().collect();
        let expected = if overlapping {
            naive_overlapping(&patterns, &text)
        } else {
            naive_leftmost_longest(&patterns, &text)
        };
        let sources = [source(&patterns)];
        for (name, options) in util::engines(overlapping) {
            let gazetteer = util::compile(&sources, CompileOptions { overlapping, ..options });
            let mentions = gazetteer.find(&text, &[]);
            let spans: Vec<(usize, usize)> = mentions.iter().map(|m| (m.span().start, m.span().end)).collect();
            prop_assert_eq!(&spans, &expected, "engine {} overlapping {}", name, overlapping);
            for m in &mentions {
                prop_assert!(m.span().is_valid_in(&text));
                // The entry is the one whose surface is the matched text.
                let index: usize = m.id().strip_prefix("id:").unwrap().parse().unwrap();
                prop_assert_eq!(patterns[index].as_str(), &text[m.span().range()]);
            }
        }
    }

    #[test]
    fn compiled_form_round_trips(
        patterns in proptest::collection::btree_set(word(4), 1..12),
        text in word(40),
    ) {
        let patterns: Vec<String> = patterns.into_iter().collect();
        let sources = [source(&patterns)];
        for (name, options) in util::engines(false) {
            let built = util::compile(&sources, options);
            let loaded = zhpipe_gazetteer::Gazetteer::from_bytes(&built.to_bytes(1), Some(1)).unwrap();
            prop_assert_eq!(loaded.find(&text, &[]), built.find(&text, &[]), "engine {}", name);
        }
    }
}
