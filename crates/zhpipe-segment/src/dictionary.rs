//! User dictionaries in jieba's format, loaded on top of jieba's own.
//!
//! One entry per line: `word [freq] [tag]`, separated by spaces or tabs, as in jieba's
//! `dict.txt` and every jieba user dictionary. The frequency decides how strongly the word
//! holds together against the words it could be cut into; without one, jieba computes the
//! smallest frequency that keeps the word whole (`suggest_freq`). The tag is a part-of-speech
//! tag of jieba's tag set (`n`, `ns`, `nr`, `nt`, `nz`, …), at most 7 ASCII characters. Blank
//! lines and lines starting with `#` are skipped, so a dictionary can carry its own notes.
//!
//! A line that is not an entry is a config error naming the file and the line: a dictionary
//! that silently lost an entry would silently change every segmentation that uses it.

use std::path::Path;

use zhpipe_core::{ConfigError, PosTag};

/// One user-dictionary entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The word.
    pub word: String,
    /// Its frequency; `None` lets jieba choose one that keeps the word whole.
    pub freq: Option<usize>,
    /// Its part-of-speech tag.
    pub tag: Option<PosTag>,
}

/// Parses dictionary text; `origin` names it in errors (usually the file path).
pub fn parse(text: &str, origin: &str) -> Result<Vec<Entry>, ConfigError> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let fail = |why: String| ConfigError::new(format!("{origin}:{line_no}: {why} (expected `word [freq] [tag]`)"));
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = trimmed.split_whitespace().collect();
        if fields.len() > 3 {
            return Err(fail(format!("{} fields in {trimmed:?}", fields.len())));
        }
        let word = fields[0];
        let mut freq = None;
        let mut tag = None;
        for field in &fields[1..] {
            if field.bytes().all(|b| b.is_ascii_digit()) {
                if freq.is_some() || tag.is_some() {
                    return Err(fail(format!("unexpected number `{field}` after the frequency or tag")));
                }
                let value: usize = field.parse().map_err(|e| fail(format!("frequency `{field}`: {e}")))?;
                if value == 0 {
                    return Err(fail(format!("frequency 0 for `{word}` would never let it be cut as a word")));
                }
                freq = Some(value);
            } else if tag.is_none() {
                let valid = field.bytes().all(|b| b.is_ascii_alphabetic());
                tag = Some(PosTag::new(field).filter(|_| valid).ok_or_else(|| {
                    fail(format!("`{field}` is neither a frequency nor a part-of-speech tag (up to 7 ASCII letters)"))
                })?);
            } else {
                return Err(fail(format!("two tags in {trimmed:?}")));
            }
        }
        entries.push(Entry { word: word.to_owned(), freq, tag });
    }
    Ok(entries)
}

/// Reads and parses the dictionary at `path`.
pub fn load(path: &Path) -> Result<Vec<Entry>, ConfigError> {
    let bytes = zhpipe_artefact::bundle::read(path)
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| ConfigError::new(format!("{}: cannot read user dictionary: {e}", path.display())))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        ConfigError::new(format!("{}:{line}: not valid UTF-8", path.display()))
    })?;
    parse(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_optional_field_combination() {
        let text =
            "# policy terms\n\n京津冀 20000 ns\n雄安新区 n\n通武廊 3000\n\u{3000}新质生产力\t500\tnz\n北京城市副中心\n";
        let entries = parse(text, "t.dict").unwrap();
        let rendered: Vec<String> = entries
            .iter()
            .map(|e| format!("{}/{:?}/{}", e.word, e.freq, e.tag.map(|t| t.to_string()).unwrap_or_default()))
            .collect();
        assert_eq!(
            rendered,
            [
                "京津冀/Some(20000)/ns",
                "雄安新区/None/n",
                "通武廊/Some(3000)/",
                "新质生产力/Some(500)/nz",
                "北京城市副中心/None/"
            ]
        );
    }

    #[test]
    fn bad_lines_name_origin_and_line() {
        let cases = [
            ("a 1 n\nb 1 n x\n", "t.dict:2: 4 fields in \"b 1 n x\""),
            ("a 1x n\n", "t.dict:1: `1x` is neither a frequency nor a part-of-speech tag"),
            ("\n\na 0\n", "t.dict:3: frequency 0 for `a`"),
            ("a n 5\n", "t.dict:1: unexpected number `5` after the frequency or tag"),
            ("a 3 名词\n", "t.dict:1: `名词` is neither a frequency nor a part-of-speech tag"),
            ("a 99999999999999999999999\n", "t.dict:1: frequency `99999999999999999999999`: number too large"),
            ("a n v\n", "t.dict:1: two tags in \"a n v\""),
        ];
        for (text, expected) in cases {
            let err = parse(text, "t.dict").unwrap_err();
            assert!(err.message().starts_with(expected), "{text:?}: {err}");
            assert!(err.message().ends_with("(expected `word [freq] [tag]`)"), "{err}");
        }
    }

    #[test]
    fn missing_and_non_utf8_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.dict");
        let err = load(&missing).unwrap_err();
        assert!(err.message().starts_with(&format!("{}: cannot read user dictionary: ", missing.display())), "{err}");

        let gbk = dir.path().join("gbk.dict");
        std::fs::write(&gbk, b"ok 1\n\xbe\xa9\xbd\xf2 3\n").unwrap();
        let err = load(&gbk).unwrap_err();
        assert_eq!(err.message(), format!("{}:2: not valid UTF-8", gbk.display()));
    }
}
