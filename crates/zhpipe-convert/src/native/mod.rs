//! The native backend: OpenCC's profiles interpreted from their JSON configs, each dictionary
//! group compiled into one daachorse automaton.
//!
//! A key design decision: OpenCC looks dictionaries up one position at a time (at each
//! position, the first dictionary of a `short_circuit` group with any match wins, and its
//! longest match is taken; a `union` group takes the longest match of all). Both policies are
//! flattened here into a single key → value table whose *leftmost-longest* matches are exactly
//! OpenCC's, so that one automaton pass converts a text:
//!
//! - `union`: the tables are merged, the first member winning a key they share.
//! - `short_circuit`: a key of a later member is dropped when an earlier member has that key or
//!   a prefix of it. Wherever the dropped key matches, the earlier member matches too (its key
//!   is a prefix), so OpenCC would never reach the later member there; and every key that
//!   survives is one OpenCC can choose.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use zhpipe_core::{OffsetMap, OffsetMapBuilder};

use crate::Profile;
use crate::dict::{DictError, TextDict};

mod markers;
mod matcher;

pub use markers::{ScriptCounts, ScriptMarkers};
use matcher::{Matcher, NoOffsets, Normalization, Piece, Pieces, Sink, compose};

/// The embedded OpenCC data: configs and the dictionaries they name.
mod data {
    macro_rules! files {
        ($dir:literal: $($name:literal),* $(,)?) => {
            &[$(($name, include_str!(concat!("../../opencc/", $dir, "/", $name)))),*]
        };
    }

    pub(super) const CONFIGS: &[(&str, &str)] = files!("config":
        "t2s.json", "s2t.json", "tw2s.json", "tw2sp.json", "hk2s.json", "s2tw.json", "s2twp.json",
        "s2hk.json", "t2tw.json", "t2hk.json",
    );

    pub(super) const DICTIONARIES: &[(&str, &str)] = files!("dictionary":
        "CJK_Compatibility_Ideographs.txt", "HKPhrases.txt", "HKVariants.txt",
        "HKVariantsPhrases.txt", "HKVariantsRevPhrases.txt", "STCharacters.txt", "STPhrases.txt",
        "TSCharacters.txt", "TSPhrases.txt", "TWPhrases.txt", "TWPhrasesRev.txt", "TWVariants.txt",
        "TWVariantsPhrases.txt", "TWVariantsRevPhrases.txt",
    );

    pub(super) fn config(name: &str) -> Option<&'static str> {
        CONFIGS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
    }

    pub(super) fn dictionary(name: &str) -> Option<&'static str> {
        DICTIONARIES.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
    }
}

/// The text of an embedded dictionary file, e.g. `TSCharacters.txt`.
pub fn embedded_dictionary(name: &str) -> Option<&'static str> {
    data::dictionary(name)
}

/// The text of an embedded OpenCC config, e.g. `t2s.json`.
pub fn embedded_config(name: &str) -> Option<&'static str> {
    data::config(name)
}

// ---------------------------------------------------------------------------------------------
// OpenCC's config format (data/config/*.json).

#[derive(Deserialize)]
struct ConfigFile {
    #[allow(dead_code)]
    name: String,
    #[serde(default)]
    normalization: Vec<ConversionStep>,
    segmentation: Option<Segmentation>,
    conversion_chain: Vec<ConversionStep>,
}

#[derive(Deserialize)]
struct ConversionStep {
    dict: DictNode,
}

#[derive(Deserialize)]
struct Segmentation {
    #[serde(rename = "type")]
    kind: String,
    dict: DictNode,
}

#[derive(Deserialize)]
struct DictNode {
    #[serde(rename = "type")]
    kind: String,
    file: Option<String>,
    match_policy: Option<String>,
    #[serde(default)]
    dicts: Vec<DictNode>,
    #[serde(default)]
    may_output_tofu: bool,
}

/// A dictionary (or group) flattened to key → value, in a deterministic order.
type Table = Vec<(String, String)>;

/// Builds the tables a profile needs, deriving generated dictionaries once.
struct Loader {
    include_tofu_risk: bool,
    cache: HashMap<String, Table>,
}

impl Loader {
    fn new(include_tofu_risk: bool) -> Self {
        Self { include_tofu_risk, cache: HashMap::new() }
    }

    /// The flattened table of a dict node, or `None` when every dictionary in it is left out
    /// (tofu-risk dictionaries unless asked for, as OpenCC's `--include-tofu-risk-dictionaries`).
    fn node(&mut self, node: &DictNode) -> Result<Option<Table>, DictError> {
        if node.kind == "group" {
            let policy = node.match_policy.as_deref().unwrap_or("short_circuit");
            let mut members = Vec::new();
            for child in &node.dicts {
                if let Some(table) = self.node(child)? {
                    members.push(table);
                }
            }
            if members.is_empty() {
                return Ok(None);
            }
            return match policy {
                "union" => Ok(Some(union(members))),
                "short_circuit" => Ok(Some(short_circuit(members))),
                other => Err(config_error(format!("unknown match_policy {other:?}"))),
            };
        }
        if node.may_output_tofu && !self.include_tofu_risk {
            return Ok(None);
        }
        let file = node.file.as_deref().ok_or_else(|| config_error(format!("{} dict without a file", node.kind)))?;
        let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        self.table(stem).map(Some)
    }

    fn table(&mut self, stem: &str) -> Result<Table, DictError> {
        if let Some(table) = self.cache.get(stem) {
            return Ok(table.clone());
        }
        let table = self.derive(stem)?;
        self.cache.insert(stem.to_owned(), table.clone());
        Ok(table)
    }

    fn derive(&mut self, stem: &str) -> Result<Table, DictError> {
        let file = format!("{stem}.txt");
        if let Some(text) = data::dictionary(&file) {
            return Ok(TextDict::parse(&file, text)?.first_candidates());
        }
        if stem == "TSCharactersExt" {
            let text = data::dictionary("TSCharacters.txt").expect("embedded");
            return Ok(TextDict::tofu_risk_extension("TSCharacters.txt", text)?.first_candidates());
        }
        if stem == "STPhrases_GeneratedFromRegionalPhrases" {
            return regional_st_phrases();
        }
        if let Some(forward) = stem.strip_suffix("Rev") {
            let forward_file = format!("{forward}.txt");
            if let Some(text) = data::dictionary(&forward_file) {
                let reversed = TextDict::parse(&forward_file, text)?.reversed(&forward_file)?;
                return Ok(reversed.first_candidates());
            }
        }
        Err(DictError { file, line: 0, message: "dictionary not embedded and not derivable".into() })
    }
}

fn config_error(message: String) -> DictError {
    DictError { file: "config".into(), line: 0, message }
}

/// `union`: longest match over all members; the first member wins a key they share.
fn union(members: Vec<Table>) -> Table {
    let mut seen = HashSet::new();
    let mut out = Table::new();
    for table in members {
        for (key, value) in table {
            if seen.insert(key.clone()) {
                out.push((key, value));
            }
        }
    }
    out
}

/// `short_circuit`: the first member with any match at a position wins. See the module doc.
fn short_circuit(members: Vec<Table>) -> Table {
    let mut earlier: HashSet<String> = HashSet::new();
    let mut out = Table::new();
    for table in members {
        let kept: Vec<(String, String)> = table
            .into_iter()
            .filter(|(key, _)| {
                !key.char_indices().map(|(i, c)| &key[..i + c.len_utf8()]).any(|prefix| earlier.contains(prefix))
            })
            .collect();
        for (key, _) in &kept {
            earlier.insert(key.clone());
        }
        // Keys this member shares with itself cannot repeat: tables are deduplicated.
        out.extend(kept);
    }
    out
}

/// `STPhrases_GeneratedFromRegionalPhrases`, as OpenCC's
/// `generate_st_phrases_from_regional_phrases.py` builds it: the keys of `HKPhrases` and
/// `TWPhrases` converted with t2s (tofu-risk dictionaries included), kept when the
/// Simplified form has at least 3 characters, mapping back to the regional key. They keep a
/// Simplified phrase whole during s2t so that the regional step can still find it.
fn regional_st_phrases() -> Result<Table, DictError> {
    let t2s = Converter::build(Profile::T2s, true)?;
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut out = Table::new();
    for file in ["HKPhrases.txt", "TWPhrases.txt"] {
        let dict = TextDict::parse(file, data::dictionary(file).expect("embedded"))?;
        for entry in dict.entries {
            let simplified = t2s.convert(&entry.key);
            if simplified.chars().count() < 3 {
                continue;
            }
            if seen.contains_key(&simplified) {
                // OpenCC's build refuses conflicting projections; the embedded data has none
                // (checked by a test), and the first one stands here.
                continue;
            }
            seen.insert(simplified.clone(), entry.key.clone());
            out.push((simplified, entry.key));
        }
    }
    out.sort();
    Ok(out)
}

/// Regional phrase keys whose t2s forms collide with different originals: OpenCC's build
/// stops on these; exposed for a test that the embedded data has none.
#[doc(hidden)]
pub fn regional_phrase_conflicts() -> Vec<(String, Vec<String>)> {
    let t2s = Converter::build(Profile::T2s, true).expect("t2s builds");
    let mut projections: HashMap<String, Vec<String>> = HashMap::new();
    for file in ["HKPhrases.txt", "TWPhrases.txt"] {
        let dict = TextDict::parse(file, data::dictionary(file).expect("embedded")).expect("parses");
        for entry in dict.entries {
            let simplified = t2s.convert(&entry.key);
            if simplified.chars().count() >= 3 {
                let originals = projections.entry(simplified).or_default();
                if !originals.contains(&entry.key) {
                    originals.push(entry.key);
                }
            }
        }
    }
    let mut conflicts: Vec<_> = projections.into_iter().filter(|(_, v)| v.len() > 1).collect();
    conflicts.sort();
    conflicts
}

/// OpenCC's algorithm as OpenCC writes it, position by position over unflattened dictionary
/// groups, without automata: slow, and here only so that tests can check the flattened
/// automata against it.
#[doc(hidden)]
pub struct Reference {
    normalization: Vec<RefNode>,
    segmentation: Option<RefNode>,
    chain: Vec<RefNode>,
}

enum RefNode {
    Dict { entries: HashMap<String, String>, max_chars: usize },
    Group { union: bool, members: Vec<RefNode> },
}

impl RefNode {
    /// The match at the start of `text`: (byte length, value).
    fn match_at<'a>(&'a self, text: &str) -> Option<(usize, &'a str)> {
        match self {
            RefNode::Dict { entries, max_chars } => {
                let ends: Vec<usize> = text.char_indices().map(|(i, c)| i + c.len_utf8()).take(*max_chars).collect();
                ends.iter().rev().find_map(|&end| entries.get(&text[..end]).map(|v| (end, v.as_str())))
            }
            RefNode::Group { union: false, members } => members.iter().find_map(|m| m.match_at(text)),
            RefNode::Group { union: true, members } => {
                let mut best: Option<(usize, &str)> = None;
                for found in members.iter().filter_map(|m| m.match_at(text)) {
                    if best.is_none_or(|b| found.0 > b.0) {
                        best = Some(found);
                    }
                }
                best
            }
        }
    }

    fn convert(&self, text: &str) -> String {
        let mut out = String::new();
        let mut at = 0;
        while at < text.len() {
            match self.match_at(&text[at..]) {
                Some((len, value)) => {
                    out.push_str(value);
                    at += len;
                }
                None => {
                    let c = text[at..].chars().next().expect("in bounds");
                    out.push(c);
                    at += c.len_utf8();
                }
            }
        }
        out
    }

    fn segment<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let (mut segments, mut pending, mut at) = (Vec::new(), 0, 0);
        while at < text.len() {
            match self.match_at(&text[at..]) {
                Some((len, _)) => {
                    if pending < at {
                        segments.push(&text[pending..at]);
                    }
                    segments.push(&text[at..at + len]);
                    at += len;
                    pending = at;
                }
                None => at += text[at..].chars().next().expect("in bounds").len_utf8(),
            }
        }
        if pending < text.len() {
            segments.push(&text[pending..]);
        }
        segments
    }
}

impl Loader {
    fn tree(&mut self, node: &DictNode) -> Result<Option<RefNode>, DictError> {
        if node.kind == "group" {
            let mut members = Vec::new();
            for child in &node.dicts {
                members.extend(self.tree(child)?);
            }
            let union = node.match_policy.as_deref() == Some("union");
            return Ok((!members.is_empty()).then_some(RefNode::Group { union, members }));
        }
        if node.may_output_tofu && !self.include_tofu_risk {
            return Ok(None);
        }
        let file = node.file.as_deref().unwrap_or_default();
        let table = self.table(file.rsplit_once('.').map_or(file, |(stem, _)| stem))?;
        let max_chars = table.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
        Ok(Some(RefNode::Dict { entries: table.into_iter().collect(), max_chars }))
    }
}

impl Reference {
    #[doc(hidden)]
    pub fn build(profile: Profile, include_tofu_risk: bool) -> Result<Self, DictError> {
        let file = format!("{}.json", profile.name());
        let config: ConfigFile = serde_json::from_str(data::config(&file).expect("embedded"))
            .map_err(|e| DictError { file, line: e.line(), message: e.to_string() })?;
        let mut loader = Loader::new(include_tofu_risk);
        let mut steps = Vec::new();
        for list in [&config.normalization, &config.conversion_chain] {
            let mut nodes = Vec::new();
            for step in list {
                nodes.extend(loader.tree(&step.dict)?);
            }
            steps.push(nodes);
        }
        let chain = steps.pop().expect("two lists");
        let normalization = steps.pop().expect("two lists");
        let mut seg_loader = Loader::new(true);
        let segmentation = match &config.segmentation {
            Some(seg) => seg_loader.tree(&seg.dict)?,
            None => None,
        };
        Ok(Self { normalization, segmentation, chain })
    }

    #[doc(hidden)]
    pub fn convert(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for step in &self.normalization {
            text = step.convert(&text);
        }
        let segments = match &self.segmentation {
            Some(seg) => seg.segment(&text),
            None => vec![text.as_str()],
        };
        let mut out = String::new();
        for segment in segments {
            let mut converted = segment.to_owned();
            for step in &self.chain {
                converted = step.convert(&converted);
            }
            out.push_str(&converted);
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The converter.

/// One OpenCC profile, compiled: normalization, segmentation and conversion chain.
pub struct Converter {
    profile: Profile,
    normalization: Vec<Normalization>,
    segmentation: Option<Matcher>,
    chain: Vec<Matcher>,
}

impl std::fmt::Debug for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Converter")
            .field("profile", &self.profile)
            .field("normalization_steps", &self.normalization.len())
            .field("segmented", &self.segmentation.is_some())
            .field("chain_steps", &self.chain.len())
            .finish()
    }
}

impl Converter {
    /// Compiles `profile` from the embedded configs and dictionaries. With
    /// `include_tofu_risk`, dictionaries OpenCC marks `may_output_tofu` (rare forms that common
    /// fonts lack, `TSCharactersExt`) are used too.
    pub fn build(profile: Profile, include_tofu_risk: bool) -> Result<Self, DictError> {
        let file = format!("{}.json", profile.name());
        let text = data::config(&file).ok_or_else(|| config_error(format!("{file} not embedded")))?;
        let config: ConfigFile = serde_json::from_str(text).map_err(|e| DictError {
            file: file.clone(),
            line: e.line(),
            message: e.to_string(),
        })?;
        let mut loader = Loader::new(include_tofu_risk);
        let steps = |list: &[ConversionStep], loader: &mut Loader| -> Result<Vec<Matcher>, DictError> {
            let mut out = Vec::new();
            for step in list {
                if let Some(table) = loader.node(&step.dict)? {
                    out.push(Matcher::build(&table)?);
                }
            }
            Ok(out)
        };
        let mut normalization = Vec::new();
        for step in &config.normalization {
            if let Some(table) = loader.node(&step.dict)? {
                normalization.push(Normalization::new(Matcher::build(&table)?, &table));
            }
        }
        let chain = steps(&config.conversion_chain, &mut loader)?;
        let segmentation = match &config.segmentation {
            None => None,
            Some(seg) if seg.kind == "mmseg" => {
                // OpenCC loads segmentation dictionaries with tofu-risk ones included.
                let mut seg_loader = Loader::new(true);
                seg_loader.cache = std::mem::take(&mut loader.cache);
                seg_loader.node(&seg.dict)?.map(|t| Matcher::build(&t)).transpose()?
            }
            Some(seg) => return Err(config_error(format!("{file}: unsupported segmentation {:?}", seg.kind))),
        };
        Ok(Self { profile, normalization, segmentation, chain })
    }

    /// The profile this converter implements.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Converts `input`.
    pub fn convert(&self, input: &str) -> String {
        let mut out = String::with_capacity(input.len());
        self.convert_into(input, &mut out, &mut NoOffsets);
        out
    }

    /// Converts `input`, returning the text and the map from its spans back to `input`.
    pub fn convert_with_offsets(&self, input: &str) -> (String, OffsetMap) {
        let mut out = String::with_capacity(input.len());
        let mut map = OffsetMapBuilder::new();
        self.convert_into(input, &mut out, &mut map);
        (out, map.finish())
    }

    /// Converts `input` onto the end of `out`, reporting kept and replaced stretches to `sink`.
    pub(crate) fn convert_into<S: Sink>(&self, input: &str, out: &mut String, sink: &mut S) {
        let needs_normalization = self.normalization.iter().any(|n| n.needed(input));
        if !needs_normalization && self.segmentation.is_none() && self.chain.len() == 1 {
            // t2s, s2t, t2tw, t2hk: one pass, straight into the caller's buffers.
            self.chain[0].convert(input, out, sink);
            return;
        }
        self.convert_general(input, needs_normalization, out, sink);
    }

    fn convert_general<S: Sink>(&self, input: &str, normalize: bool, out: &mut String, sink: &mut S) {
        // Normalization runs over the whole text, before segmentation.
        let mut text = std::borrow::Cow::Borrowed(input);
        let mut pieces = Pieces(vec![Piece { old: input.len(), new: input.len(), kept: true }]);
        if normalize {
            for step in &self.normalization {
                let mut next = String::with_capacity(text.len());
                let mut step_pieces = Pieces::default();
                step.matcher.convert(&text, &mut next, &mut step_pieces);
                pieces = compose(&pieces.0, &step_pieces.0);
                text = std::borrow::Cow::Owned(next);
            }
        }
        let mut ends = Vec::new();
        match &self.segmentation {
            Some(seg) => seg.segment(&text, &mut ends),
            None => ends.push(text.len()),
        }
        let mut converted = Pieces::default();
        let mut final_text = String::with_capacity(text.len());
        let (mut current, mut next) = (String::new(), String::new());
        let mut start = 0;
        for &end in &ends {
            let segment = &text[start..end];
            start = end;
            current.clear();
            current.push_str(segment);
            let mut segment_pieces = Pieces(vec![Piece { old: segment.len(), new: segment.len(), kept: true }]);
            for step in &self.chain {
                next.clear();
                let mut step_pieces = Pieces::default();
                step.convert(&current, &mut next, &mut step_pieces);
                segment_pieces = compose(&segment_pieces.0, &step_pieces.0);
                std::mem::swap(&mut current, &mut next);
            }
            final_text.push_str(&current);
            for piece in segment_pieces.0 {
                converted.push(piece);
            }
        }
        let all = if normalize { compose(&pieces.0, &converted.0) } else { converted };
        // Replay the pieces into the caller's sink with the texts they cover.
        let (mut old_at, mut new_at) = (0, 0);
        for piece in all.0 {
            if piece.kept {
                sink.keep(piece.old);
            } else {
                sink.replace(&input[old_at..old_at + piece.old], &final_text[new_at..new_at + piece.new]);
            }
            old_at += piece.old;
            new_at += piece.new;
        }
        out.push_str(&final_text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_markers_count_each_script() {
        let markers = ScriptMarkers::get();
        assert_eq!(markers.count("協同發展 and 协同发展, 乾隆"), ScriptCounts { traditional: 3, simplified: 2 });
        assert_eq!(markers.count("abc é 中文 𠀀"), ScriptCounts::default());
        assert!(markers.is_traditional('發') && markers.is_simplified('发'));
    }

    fn table(pairs: &[(&str, &str)]) -> Table {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn short_circuit_drops_later_keys_shadowed_by_a_prefix() {
        let merged = short_circuit(vec![table(&[("AB", "x")]), table(&[("ABC", "y"), ("A", "z"), ("B", "w")])]);
        assert_eq!(merged, table(&[("AB", "x"), ("A", "z"), ("B", "w")]));
    }

    #[test]
    fn union_keeps_longest_and_first_value() {
        let merged = union(vec![table(&[("AB", "x")]), table(&[("ABC", "y"), ("AB", "z")])]);
        assert_eq!(merged, table(&[("AB", "x"), ("ABC", "y")]));
    }

    fn pieces(list: &[(usize, usize, bool)]) -> Vec<Piece> {
        list.iter().map(|&(old, new, kept)| Piece { old, new, kept }).collect()
    }

    #[test]
    fn compose_keeps_kept_stretches_fine() {
        // first: keep 3, replace 3→6, keep 3; second: keep 6, replace 3→3, keep 3.
        let a = pieces(&[(3, 3, true), (3, 6, false), (3, 3, true)]);
        let b = pieces(&[(6, 6, true), (3, 3, false), (3, 3, true)]);
        // The second replacement covers the last 3 bytes of the first one's output.
        assert_eq!(compose(&a, &b).0, pieces(&[(3, 3, true), (3, 6, false), (3, 3, true)]));

        let b = pieces(&[(9, 9, true), (3, 4, false)]);
        assert_eq!(compose(&a, &b).0, pieces(&[(3, 3, true), (3, 6, false), (3, 4, false)]));

        let b = pieces(&[(1, 1, true), (4, 2, false), (7, 7, true)]);
        assert_eq!(compose(&a, &b).0, pieces(&[(1, 1, true), (5, 6, false), (3, 3, true)]));
    }
}
