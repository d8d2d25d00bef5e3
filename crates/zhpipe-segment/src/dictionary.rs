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
//! that silently lost an entry would silently change every segmentation that uses it. Lines
//! that parse but are surely mistakes are errors too:
//!
//! - a word that is a number (`100 10 ns`, or ` 100 ns` with the word lost before the
//!   frequency): digits, ASCII or full-width, with decimal points and percent signs only, which
//!   jieba keeps whole without an entry; Chinese numerals are words (十四五) and are kept;
//! - a word of invisible characters only (a zero-width space before the fields), an empty word;
//! - a dictionary with no entries at all, only blank lines and comments (an error naming the
//!   file).
//!
//! A byte-order mark at the start of a line (a file saved by an editor that writes one) is
//! dropped. Leading white space before a word is allowed; the word is the first field.
//! [`parse_word_list`] reads a segmentation standard's word list, where numbers are words.

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

/// Parses user-dictionary text; `origin` names it in errors (usually the file path).
///
/// Besides lines that are not `word [freq] [tag]`, it refuses what is surely a mistake (see the
/// module docs): a word that is a number, a word of invisible characters only, and a dictionary
/// that holds no entries at all.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Entry>, ConfigError> {
    parse_lines(text, origin, Numbers::Refused)
}

/// Parses a word list in the same format where a number may be a word: the training words of a
/// segmentation standard (SIGHAN 2005's PKU and MSR lists hold `２６．３％` and `１９９８` as
/// words), read as a vocabulary to score against. Everything else is checked as in [`parse`].
pub fn parse_word_list(text: &str, origin: &str) -> Result<Vec<Entry>, ConfigError> {
    parse_lines(text, origin, Numbers::Allowed)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Numbers {
    Refused,
    Allowed,
}

fn parse_lines(text: &str, origin: &str, numbers: Numbers) -> Result<Vec<Entry>, ConfigError> {
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
        if word.chars().all(is_invisible) {
            let codes: Vec<String> = word.chars().map(|c| format!("U+{:04X}", c as u32)).collect();
            return Err(fail(format!("the word is empty: it is only invisible characters ({})", codes.join(" "))));
        }
        if numbers == Numbers::Refused && is_number(word) {
            // A leading space is how a lost word usually shows: ` 100 ns` once read `词 100 ns`.
            let lost = if line.starts_with(char::is_whitespace) {
                "; the line starts with white space: was the word before it lost?"
            } else {
                ""
            };
            return Err(fail(format!("the word `{word}` is a number, which jieba keeps whole without an entry{lost}")));
        }
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
    if entries.is_empty() {
        return Err(ConfigError::new(format!(
            "{origin}: holds no entries, only blank lines and comments (expected lines `word [freq] [tag]`)"
        )));
    }
    Ok(entries)
}

/// Whether `word` is a number: ASCII or full-width digits, with decimal points and percent
/// signs and nothing else (`100`, `3.5`, `２８．３％`), at least one digit.
///
/// Such a word in a user dictionary is surely a mistake, most often a line whose word was lost
/// (` 100 ns`) or whose columns shifted (`100 10 ns`). No number needs an entry: jieba keeps a
/// run of digits whole without one, and with its HMM a decimal and a trailing percent sign too
/// (`28.35%`; the stage folds full-width digits to ASCII first). An entry does harm instead: it
/// cuts longer numbers at it (with `100` and `28.3` added, jieba cuts `1000` as `100`/`0` and
/// `28.35%` as `28.3`/`5%`).
///
/// The rule is kept narrow, so that it refuses no word: Chinese numerals are not numbers here,
/// because they are words of jieba's own dictionary (一百, 十五) and parts of policy terms
/// (十四五, 三区一基地), which no rule can tell from a numeral; nor are signs and thousands
/// separators (`-5`, `1,000`), nor digits mixed with letters (`5G`, `PM2.5`).
fn is_number(word: &str) -> bool {
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    word.chars().any(digit) && word.chars().all(|c| digit(c) || matches!(c, '.' | '．' | '%' | '％'))
}

/// Characters that show nothing and are not white space, so that splitting on white space
/// keeps them: a word of them alone is an empty word (a zero-width space before the fields, a
/// byte-order mark pasted inside the file). A soft hyphen, zero-width spaces and joiners,
/// direction marks, the word joiner and invisible operators, and U+FEFF.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
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

    const EXPECTED: &str = " (expected `word [freq] [tag]`)";

    fn error(text: &str) -> String {
        parse(text, "t.dict").unwrap_err().message().to_owned()
    }

    #[test]
    fn a_word_that_is_a_number_is_refused() {
        let cases = [
            ("京津冀 20000 ns\n100 10 ns\n", "t.dict:2: the word `100` is a number"),
            ("100\n", "t.dict:1: the word `100` is a number"),
            ("# decimals\n3.5 n\n", "t.dict:2: the word `3.5` is a number"),
            ("28.3% 5\n", "t.dict:1: the word `28.3%` is a number"),
            ("２０２４\n", "t.dict:1: the word `２０２４` is a number"),
            ("２８．３％ m\n", "t.dict:1: the word `２８．３％` is a number"),
        ];
        for (text, expected) in cases {
            let message = error(text);
            assert_eq!(message, format!("{expected}, which jieba keeps whole without an entry{EXPECTED}"), "{text:?}");
        }
    }

    #[test]
    fn a_leading_space_that_lost_the_word_leaves_a_number_and_is_refused() {
        for text in [" 100 ns\n", "\t100\tns\n", "\u{3000}100\n"] {
            assert_eq!(
                error(&format!("京津冀 20000 ns\n{text}")),
                format!(
                    "t.dict:2: the word `100` is a number, which jieba keeps whole without an entry; \
                     the line starts with white space: was the word before it lost?{EXPECTED}"
                ),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_word_of_invisible_characters_only_is_an_empty_word() {
        assert_eq!(
            error("京津冀\n\u{200b} 100 ns\n"),
            format!("t.dict:2: the word is empty: it is only invisible characters (U+200B){EXPECTED}")
        );
        assert_eq!(
            error("\u{200d}\u{2060}\n"),
            format!("t.dict:1: the word is empty: it is only invisible characters (U+200D U+2060){EXPECTED}")
        );
    }

    /// The number rule is narrow: Chinese numerals, digits with letters or units, signs and
    /// separators are words, and so is a word after leading white space.
    #[test]
    fn numerals_mixed_words_and_indented_words_are_words() {
        let text = "十四五 100 n\n三区一基地\n5G\nPM2.5\n2024年\n12345热线\n1,000\n-5\n%\n  雄安新区 n\n";
        let words: Vec<String> = parse(text, "t.dict").unwrap().into_iter().map(|e| e.word).collect();
        assert_eq!(
            words,
            ["十四五", "三区一基地", "5G", "PM2.5", "2024年", "12345热线", "1,000", "-5", "%", "雄安新区"]
        );
    }

    #[test]
    fn a_word_list_may_list_numbers() {
        let words: Vec<String> =
            parse_word_list("２６．３％\n１９９８\n京津冀\n", "w.txt").unwrap().into_iter().map(|e| e.word).collect();
        assert_eq!(words, ["２６．３％", "１９９８", "京津冀"]);
        // Everything else is checked as in a user dictionary.
        assert!(
            parse_word_list("\u{200b}\n", "w.txt").unwrap_err().message().starts_with("w.txt:1: the word is empty")
        );
    }

    #[test]
    fn a_dictionary_without_entries_is_refused() {
        for text in ["", "\n\n", "# only notes\n\n# more\n", "\u{feff}\n"] {
            assert_eq!(
                error(text),
                "t.dict: holds no entries, only blank lines and comments (expected lines `word [freq] [tag]`)",
                "{text:?}"
            );
            assert!(parse_word_list(text, "w.txt").unwrap_err().message().starts_with("w.txt: holds no entries"));
        }
    }

    #[test]
    fn a_byte_order_mark_before_the_first_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bom.dict");
        // The mark is the bytes EF BB BF, read as U+FEFF.
        for (text, words) in [("\u{feff}京津冀 20000 ns\n", ["京津冀"]), ("\u{feff}# notes\n雄安 n\n", ["雄安"])]
        {
            std::fs::write(&path, text).unwrap();
            assert_eq!(&std::fs::read(&path).unwrap()[..3], b"\xef\xbb\xbf");
            let entries = load(&path).unwrap();
            assert_eq!(entries.iter().map(|e| e.word.as_str()).collect::<Vec<_>>(), words);
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
