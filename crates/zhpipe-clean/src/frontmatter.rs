//! YAML front matter (`---` … `---` at the top of a file, as static-site generators and
//! scrapers write it) into [`Meta`], through `yaml-rust2`.
//!
//! YAML aliases copy the node they name, so a few hundred bytes of nested aliases expand to
//! billions of nodes, and a loader that builds the tree exhausts memory. The block is therefore
//! measured from the parser's events before it is loaded: the size it expands to (aliases
//! counted at the size of their anchor) and its nesting depth are bounded, and a block over
//! either bound is refused like invalid YAML, with a note.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::{Yaml, YamlLoader};
use zhpipe_core::Meta;

/// Nodes front matter may expand to, aliases included: far above any real page's metadata.
const MAX_NODES: u64 = 100_000;
/// Nesting depth of sequences and mappings front matter may have.
const MAX_DEPTH: usize = 64;

/// Counts the nodes and depth of YAML from its events, without building it.
#[derive(Default)]
struct Measure {
    /// Nodes of each open collection so far.
    open: Vec<(usize, u64)>,
    /// Expanded size of each anchored node.
    anchors: HashMap<usize, u64>,
    nodes: u64,
    deepest: usize,
}

impl Measure {
    fn close(&mut self, anchor: usize, size: u64) {
        if anchor > 0 {
            self.anchors.insert(anchor, size);
        }
        match self.open.last_mut() {
            Some((_, parent)) => *parent = parent.saturating_add(size),
            None => self.nodes = self.nodes.saturating_add(size),
        }
    }
}

impl Measure {
    fn on_event(&mut self, event: Event) {
        match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.open.push((anchor, 1));
                self.deepest = self.deepest.max(self.open.len());
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, size)) = self.open.pop() {
                    self.close(anchor, size);
                }
            }
            Event::Scalar(_, _, anchor, _) => self.close(anchor, 1),
            Event::Alias(anchor) => {
                let size = self.anchors.get(&anchor).copied().unwrap_or(1);
                self.close(0, size);
            }
            _ => {}
        }
    }
}

/// Refuses YAML that would expand past [`MAX_NODES`] or nest deeper than [`MAX_DEPTH`].
fn check_bounds(yaml: &str) -> Result<(), String> {
    // The parser's own `load` recurses once per level: its events are pulled one by one
    // instead, and the walk stops at the first bound crossed.
    let mut measure = Measure::default();
    let mut parser = Parser::new_from_str(yaml);
    loop {
        let (event, _) = parser.next_token().map_err(|e| format!("invalid YAML front matter: {e}"))?;
        if event == Event::StreamEnd {
            return Ok(());
        }
        measure.on_event(event);
        if measure.deepest > MAX_DEPTH {
            return Err(format!("front matter nests more than {MAX_DEPTH} levels deep"));
        }
        let expanded = measure.nodes.saturating_add(measure.open.iter().map(|(_, n)| *n).fold(0, u64::saturating_add));
        if expanded > MAX_NODES {
            return Err(format!("front matter expands to more than {MAX_NODES} nodes through its aliases"));
        }
    }
}

/// The front matter of `text` and the rest of the text, if `text` opens with one (blank lines
/// before the opening `---` are allowed).
pub(crate) fn split(text: &str) -> Option<(&str, &str)> {
    let start = text.len() - text.trim_start_matches(['\n', '\r', ' ', '\t']).len();
    let body = &text[start..];
    let after_open = body.strip_prefix("---\n").or_else(|| body.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in after_open.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "---" || bare == "..." {
            let yaml = &after_open[..offset];
            return Some((yaml, &after_open[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

/// Fills `meta` from the YAML `yaml`. Known keys fill the typed fields; the others go to
/// `meta.extra` unchanged. Returns an error message (with the line) if the YAML is invalid or is
/// not a mapping.
pub(crate) fn apply(yaml: &str, meta: &mut Meta) -> Result<(), String> {
    check_bounds(yaml)?;
    let docs = YamlLoader::load_from_str(yaml).map_err(|e| format!("invalid YAML front matter: {e}"))?;
    let Some(doc) = docs.into_iter().next() else {
        return Ok(());
    };
    let Yaml::Hash(map) = doc else {
        return Err("front matter is not a mapping of keys to values".to_owned());
    };
    let mut images = Vec::new();
    for (key, value) in map {
        let key = match key {
            Yaml::String(s) => s,
            other => scalar(&other).unwrap_or_default(),
        };
        match key.to_ascii_lowercase().as_str() {
            "title" if meta.title.is_none() => meta.title = scalar(&value),
            "date" | "published" | "pubdate" | "publishdate" | "publish_date" if meta.published.is_none() => {
                if let Some(raw) = scalar(&value) {
                    match crate::date::parse(&raw) {
                        Some(iso) => meta.published = Some(iso),
                        None => {
                            meta.extra.insert(key, raw.into());
                        }
                    }
                }
            }
            "author" | "authors" if meta.author.is_none() => meta.author = list(&value).map(|l| l.join("、")),
            "categories" | "category" => meta.categories.extend(list(&value).unwrap_or_default()),
            "url" | "link" | "permalink" if meta.url.is_none() => meta.url = scalar(&value),
            "source" if meta.source.is_none() => meta.source = scalar(&value),
            "site" if meta.site.is_none() => meta.site = scalar(&value),
            "editor" | "editors" => meta.editors.extend(list(&value).unwrap_or_default()),
            // The lead image: the first of these keys present wins; the others stay in `extra`.
            "image" | "headimg" | "cover" | "thumbnail" | "thumb" => images.push((key, value)),
            _ => {
                meta.extra.insert(key, to_json(&value));
            }
        }
    }
    let rank =
        |k: &str| ["image", "headimg", "cover", "thumbnail", "thumb"].iter().position(|x| k.eq_ignore_ascii_case(x));
    images.sort_by_key(|(k, _)| rank(k));
    for (key, value) in images {
        match scalar(&value) {
            Some(url) if meta.image.is_none() => meta.image = Some(url),
            _ => {
                meta.extra.insert(key, to_json(&value));
            }
        }
    }
    Ok(())
}

fn scalar(value: &Yaml) -> Option<String> {
    let s = match value {
        Yaml::String(s) | Yaml::Real(s) => s.trim().to_owned(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn list(value: &Yaml) -> Option<Vec<String>> {
    match value {
        Yaml::Array(items) => Some(items.iter().filter_map(scalar).collect()),
        other => scalar(other).map(|s| vec![s]),
    }
}

fn to_json(value: &Yaml) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Real(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(s.clone()), Value::Number),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Hash(map) => {
            Value::Object(map.iter().map(|(k, v)| (scalar(k).unwrap_or_default(), to_json(v))).collect())
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_only_a_leading_block() {
        assert_eq!(split("\n---\ntitle: a\n---\nbody"), Some(("title: a\n", "body")));
        assert_eq!(split("---\r\ntitle: a\r\n...\r\nbody"), Some(("title: a\r\n", "body")));
        assert_eq!(split("text\n---\ntitle: a\n---\n"), None);
        assert_eq!(split("---\ntitle: unclosed\n"), None);
        assert_eq!(split("——2014年2月26日"), None);
    }

    #[test]
    fn known_keys_fill_meta_and_others_go_to_extra() {
        let yaml = "title: '标题'\ncategories:\n - 金融\n - 新浪财经\nheadimg: 'https://a/b.png'\nthumbnail: 'https://a/c.png'\nauthor: 新浪财经\ncomments: false\ndate: Tue, 25 Jan 2022 15:06:19 GMT\nweight: 2.5\n";
        let mut meta = Meta::default();
        apply(yaml, &mut meta).unwrap();
        assert_eq!(meta.title.as_deref(), Some("标题"));
        assert_eq!(meta.categories, ["金融", "新浪财经"]);
        assert_eq!(meta.image.as_deref(), Some("https://a/b.png"));
        assert_eq!(meta.author.as_deref(), Some("新浪财经"));
        assert_eq!(meta.published.as_deref(), Some("2022-01-25T15:06:19+00:00"));
        assert_eq!(meta.extra["comments"], serde_json::json!(false));
        assert_eq!(meta.extra["thumbnail"], serde_json::json!("https://a/c.png"));
        assert_eq!(meta.extra["weight"], serde_json::json!(2.5));
    }

    #[test]
    fn alias_expansion_is_bounded() {
        // Nine levels of nine aliases each: 9^9 (387 million) nodes from 300-odd bytes.
        let mut yaml = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        for pair in names.windows(2) {
            let refs = vec![format!("*{}", pair[0]); 9].join(",");
            yaml.push_str(&format!("{}: &{} [{refs}]\n", pair[1], pair[1]));
        }
        assert!(yaml.len() < 400, "{}", yaml.len());
        let mut meta = Meta::default();
        let err = apply(&yaml, &mut meta).unwrap_err();
        assert!(err.contains("more than 100000 nodes through its aliases"), "{err}");
        // A few aliases of a small anchor are fine.
        apply("tags: &t [a, b]\nmore: [*t, *t]\ntitle: x\n", &mut meta).unwrap();
        assert_eq!(meta.title.as_deref(), Some("x"));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut yaml = String::new();
        for depth in 0..6_000 {
            yaml.push_str(&" ".repeat(depth));
            yaml.push_str("- \n");
        }
        let err = apply(&format!("title: x\nlist:\n{yaml}"), &mut Meta::default()).unwrap_err();
        assert!(err.contains("more than 64 levels deep"), "{err}");
        // Flow collections: the scanner stops them at its own limit.
        let flow = format!("k: {}{}\n", "[".repeat(6_000), "]".repeat(6_000));
        let err = apply(&flow, &mut Meta::default()).unwrap_err();
        assert!(err.contains("levels deep") || err.contains("recursion limit"), "{err}");
    }

    #[test]
    fn unparsable_date_is_kept_in_extra() {
        let mut meta = Meta::default();
        apply("date: sometime last week\n", &mut meta).unwrap();
        assert_eq!(meta.published, None);
        assert_eq!(meta.extra["date"], serde_json::json!("sometime last week"));
    }

    #[test]
    fn invalid_yaml_is_an_error_with_its_line() {
        let mut meta = Meta::default();
        let err = apply("title: a\n  bad: [unclosed\n", &mut meta).unwrap_err();
        assert!(err.starts_with("invalid YAML front matter: "), "{err}");
        assert!(err.contains("line"), "{err}");
        assert_eq!(apply("- a\n- b\n", &mut meta).unwrap_err(), "front matter is not a mapping of keys to values");
    }
}
