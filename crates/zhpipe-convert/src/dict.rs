//! OpenCC's text dictionaries: parsing, and the dictionaries OpenCC's build derives from them.
//!
//! A dictionary line is `key<TAB>candidate candidate …`; a conversion takes the first candidate.
//! Comment lines start with `#`, and two kinds of comments are directives for OpenCC's build
//! scripts, reproduced here so that no generated file has to be shipped:
//!
//! - `# @reverse-prefer: K [V]` in a forward table (`TWVariants.txt`) chooses which candidate
//!   comes first for key `K` of the reversed table (`TWVariantsRev`), as `data/scripts/common.py`
//!   (`Dict.swap`) does.
//! - `# @tofu-risk: …` before an entry of `TSCharacters.txt` moves the entry's rare forms into
//!   `TSCharactersExt`, as `data/scripts/extract_tofu_risk.py` does.

use std::collections::HashMap;
use std::fmt;

/// A dictionary that could not be read: the file, the line and the cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictError {
    /// The dictionary's name, e.g. `TSCharacters.txt`.
    pub file: String,
    /// The 1-based line, or 0 when the problem is not on one line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for DictError {}

/// One dictionary entry: a key and its candidates, first candidate first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The text the entry replaces.
    pub key: String,
    /// What it may become; the first is the one conversion uses.
    pub candidates: Vec<String>,
}

/// A parsed dictionary, in file order.
#[derive(Clone, Debug, Default)]
pub struct TextDict {
    /// The entries, in the order the file lists them.
    pub entries: Vec<Entry>,
    /// `@reverse-prefer` directives: key of the reversed table → preferred candidate.
    pub reverse_preferences: Vec<(String, String, usize)>,
}

const REVERSE_PREFER: &str = "# @reverse-prefer:";
const TOFU_RISK: &str = "# @tofu-risk:";

impl TextDict {
    /// Parses dictionary `text`; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, DictError> {
        let error = |line: usize, message: String| DictError { file: file.to_owned(), line, message };
        let mut dict = TextDict::default();
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if let Some(rest) = line.strip_prefix(REVERSE_PREFER) {
                let fields: Vec<&str> = rest.split_whitespace().collect();
                if !(1..=2).contains(&fields.len()) {
                    return Err(error(number, format!("invalid reverse preference {line:?}")));
                }
                dict.reverse_preferences.push((fields[0].to_owned(), fields[fields.len() - 1].to_owned(), number));
                continue;
            }
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let Some((key, values)) = line.split_once('\t') else {
                return Err(error(number, format!("no tab between key and values in {line:?}")));
            };
            if key.is_empty() {
                return Err(error(number, "empty key".to_owned()));
            }
            let candidates: Vec<String> = values.split(' ').filter(|v| !v.is_empty()).map(str::to_owned).collect();
            if candidates.is_empty() {
                return Err(error(number, format!("key {key:?} has no value")));
            }
            dict.entries.push(Entry { key: key.to_owned(), candidates });
        }
        Ok(dict)
    }

    /// The reversed table, as OpenCC's `reverse.py` builds `XRev.txt` from `X.txt`: every
    /// candidate becomes a key whose candidates are the original keys in file order, with the
    /// `@reverse-prefer` choices moved to the front.
    pub fn reversed(&self, file: &str) -> Result<TextDict, DictError> {
        let mut order: Vec<String> = Vec::new();
        let mut reversed: HashMap<String, Vec<String>> = HashMap::new();
        for entry in &self.entries {
            for candidate in &entry.candidates {
                let keys = reversed.entry(candidate.clone()).or_insert_with(|| {
                    order.push(candidate.clone());
                    Vec::new()
                });
                keys.push(entry.key.clone());
            }
        }
        for (key, preferred, line) in &self.reverse_preferences {
            let keys = reversed.get_mut(key);
            let Some(position) = keys.as_ref().and_then(|k| k.iter().position(|v| v == preferred)) else {
                return Err(DictError {
                    file: file.to_owned(),
                    line: *line,
                    message: format!("reverse preference {key} -> {preferred} has no matching mapping"),
                });
            };
            let keys = keys.expect("checked above");
            let value = keys.remove(position);
            keys.insert(0, value);
        }
        order.sort();
        let entries = order
            .into_iter()
            .map(|key| {
                let candidates = reversed.remove(&key).unwrap_or_default();
                Entry { key, candidates }
            })
            .collect();
        Ok(TextDict { entries, reverse_preferences: Vec::new() })
    }

    /// `TSCharactersExt` from `TSCharacters`: the entries after a `@tofu-risk` comment, without
    /// the candidate equal to the key (which stays the default in `TSCharacters`).
    pub fn tofu_risk_extension(file: &str, text: &str) -> Result<TextDict, DictError> {
        let lines: Vec<&str> = text.lines().collect();
        let mut entries = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            if !line.starts_with(TOFU_RISK) {
                continue;
            }
            let bad = |message: &str| DictError { file: file.to_owned(), line: index + 1, message: message.to_owned() };
            let mapping = lines.get(index + 1).ok_or_else(|| bad("@tofu-risk without a mapping after it"))?;
            if mapping.trim().is_empty() || mapping.starts_with('#') {
                return Err(bad("@tofu-risk not followed by a mapping"));
            }
            let (key, values) = mapping.split_once('\t').ok_or_else(|| bad("mapping after @tofu-risk has no tab"))?;
            let mut candidates: Vec<String> = values.split_whitespace().map(str::to_owned).collect();
            if candidates.first().map(String::as_str) == Some(key) {
                candidates.remove(0);
            }
            if candidates.is_empty() {
                return Err(bad("mapping after @tofu-risk has no extension value"));
            }
            entries.push(Entry { key: key.to_owned(), candidates });
        }
        Ok(TextDict { entries, reverse_preferences: Vec::new() })
    }

    /// Key → first candidate, the first entry winning when a key repeats.
    pub fn first_candidates(&self) -> Vec<(String, String)> {
        let mut seen = std::collections::HashSet::new();
        self.entries
            .iter()
            .filter(|e| seen.insert(e.key.as_str()))
            .map(|e| (e.key.clone(), e.candidates[0].clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_skips_comments() {
        let dict = TextDict::parse("t.txt", "# c\n\n發\t发\n乾\t干 乾\n").unwrap();
        assert_eq!(dict.entries.len(), 2);
        assert_eq!(dict.entries[1].candidates, ["干", "乾"]);
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let err = TextDict::parse("t.txt", "發\t发\n發发\n").unwrap_err();
        assert_eq!(err.to_string(), "t.txt:2: no tab between key and values in \"發发\"");
        let err = TextDict::parse("t.txt", "發\t\n").unwrap_err();
        assert_eq!(err.to_string(), "t.txt:1: key \"發\" has no value");
        let err = TextDict::parse("t.txt", "\t发\n").unwrap_err();
        assert_eq!(err.to_string(), "t.txt:1: empty key");
    }

    #[test]
    fn reverse_follows_file_order_and_preferences() {
        let text = "檯\t台\n臺\t台\n# @reverse-prefer: 才\n才\t才\n纔\t才 纔\n";
        let rev = TextDict::parse("v.txt", text).unwrap().reversed("v.txt").unwrap();
        let map: HashMap<_, _> = rev.entries.iter().map(|e| (e.key.as_str(), e.candidates.clone())).collect();
        assert_eq!(map["台"], ["檯", "臺"]);
        assert_eq!(map["才"], ["才", "纔"]);
        assert_eq!(map["纔"], ["纔"]);
    }

    #[test]
    fn reverse_preference_without_mapping_is_an_error() {
        let text = "# @reverse-prefer: 才 X\n纔\t才\n";
        let err = TextDict::parse("v.txt", text).unwrap().reversed("v.txt").unwrap_err();
        assert_eq!(err.line, 1);
    }

    #[test]
    fn tofu_risk_entries_move_to_the_extension() {
        let text = "# @tofu-risk: rare\n㑮\t㑮 𫝈\n㑯\t㑔\n";
        let ext = TextDict::tofu_risk_extension("TS.txt", text).unwrap();
        assert_eq!(ext.entries, [Entry { key: "㑮".into(), candidates: vec!["𫝈".into()] }]);
    }
}
