//! What the bytes say about themselves before any statistics: zero-byte patterns (UTF-16 or
//! UTF-32 without a byte-order mark, or a binary file) and a charset declaration.

use encoding_rs::{Encoding, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};

/// How far a declaration is looked for, as browsers do (HTML's prescan reads 1024 bytes).
pub(crate) const DECLARATION_WINDOW: usize = 1024;

/// Above this share of control bytes a file is taken for binary. Text in any encoding the stage
/// reads has practically none: legacy double-byte trail bytes start at 0x40, and UTF-16 is
/// recognised before this check.
pub(crate) const MAX_CONTROL_SHARE: f64 = 0.05;

/// What the zero bytes of a file without a byte-order mark say.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ZeroBytes {
    /// No zero bytes: an ordinary text candidate.
    None,
    /// UTF-16 without a byte-order mark: zero bytes only in the high half of code units.
    Utf16(&'static Encoding),
    /// UTF-32 without a byte-order mark (not supported: no WHATWG decoder exists).
    Utf32 { little_endian: bool },
    /// Zeros in no text pattern: `count` of them, the first at `first`.
    Binary { count: usize, first: usize },
}

/// Classifies the zero bytes of `bytes` (which carry no byte-order mark).
pub(crate) fn zero_bytes(bytes: &[u8]) -> ZeroBytes {
    let Some(first) = memchr_zero(bytes) else { return ZeroBytes::None };
    let count = bytes.iter().filter(|&&b| b == 0).count();
    if bytes.len().is_multiple_of(4) {
        // Every unit a code point, nearly all of them in the Basic Multilingual Plane.
        let units = bytes.len() / 4;
        let looks_utf32 = |plane: fn(&[u8]) -> u8, top: fn(&[u8]) -> u8, nonzero: fn(&[u8]) -> bool| {
            let chunks = bytes.chunks_exact(4);
            chunks.clone().all(|u| top(u) == 0 && plane(u) <= 0x10 && nonzero(u))
                && chunks.filter(|u| plane(u) == 0).count() * 10 >= units * 9
        };
        if looks_utf32(|u| u[2], |u| u[3], |u| u[..3] != [0, 0, 0]) {
            return ZeroBytes::Utf32 { little_endian: true };
        }
        if looks_utf32(|u| u[1], |u| u[0], |u| u[1..] != [0, 0, 0]) {
            return ZeroBytes::Utf32 { little_endian: false };
        }
    }
    if bytes.len().is_multiple_of(2) {
        let odd_zeros = bytes.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        let even_zeros = count - odd_zeros;
        // Zeros nearly all on one side (ASCII-range text; a few CJK characters such as U+4E00
        // have a zero low byte). The strict decode then rejects unpaired surrogates, and
        // control characters reject binary data that happens to have this pattern.
        let candidate = if even_zeros > 0 && even_zeros >= 9 * odd_zeros {
            Some(UTF_16BE)
        } else if odd_zeros > 0 && odd_zeros >= 9 * even_zeros {
            Some(UTF_16LE)
        } else {
            None
        };
        if let Some(encoding) = candidate
            && let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes)
        {
            let controls = text.chars().any(|c| c == '\0' || (c.is_control() && !c.is_whitespace()));
            let zero_units = even_zeros.max(odd_zeros);
            if !controls && (zero_units * 4 >= bytes.len() / 2 || !looks_like_paired_ascii(&text)) {
                return ZeroBytes::Utf16(encoding);
            }
        }
    }
    ZeroBytes::Binary { count, first }
}

fn memchr_zero(bytes: &[u8]) -> Option<usize> {
    // Text almost never has a zero, so the scan of the whole file is the whole cost: a
    // branch-free fold per block vectorises, where `contains` (core's memchr) goes a word at a
    // time.
    let block = bytes.chunks(4096).position(|block| block.iter().fold(false, |zero, &b| zero | (b == 0)))?;
    let start = block * 4096;
    bytes[start..].iter().position(|&b| b == 0).map(|i| start + i)
}

/// How much of a file the control-byte share is measured on: binary formats show themselves
/// from the start, and NUL bytes are looked for in the whole file anyway.
pub(crate) const CONTROL_WINDOW: usize = 64 * 1024;

/// Whether the non-ASCII characters of a UTF-16 reading are mostly two printable ASCII bytes
/// glued together (`<?` read as U+3C3F): then the file is single-byte text with a stray zero,
/// not UTF-16. Real UTF-16 text with few zeros (Chinese with little ASCII) has them in other
/// ranges most of the time.
fn looks_like_paired_ascii(text: &str) -> bool {
    let printable = |byte: u32| (0x20..=0x7E).contains(&byte);
    let (mut non_ascii, mut paired) = (0, 0);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        non_ascii += 1;
        let unit = c as u32;
        if unit <= 0xFFFF && printable(unit >> 8) && printable(unit & 0xFF) {
            paired += 1;
        }
    }
    paired * 2 >= non_ascii
}

/// The share of control bytes that no text has in the first [`CONTROL_WINDOW`] bytes, when it
/// is over [`MAX_CONTROL_SHARE`]: C0 controls other than tab, line feed, form feed (page breaks
/// of extracted PDF text), carriage return and escape (ISO-2022), plus DEL.
pub(crate) fn control_share_over_limit(bytes: &[u8]) -> Option<f64> {
    let bytes = &bytes[..bytes.len().min(CONTROL_WINDOW)];
    let limit = MAX_CONTROL_SHARE * bytes.len() as f64;
    // A bound first, in a loop the compiler vectorises; the exact count only when it matters.
    let bound: usize = bytes
        .chunks(255)
        .map(|chunk| chunk.iter().map(|&b| ((b < 0x20) | (b == 0x7F)) as u8).sum::<u8>() as usize)
        .sum();
    if bound as f64 <= limit {
        return None;
    }
    let controls =
        bytes.iter().filter(|&&b| matches!(b, 0x01..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F)).count();
    (controls as f64 > limit).then(|| controls as f64 / bytes.len() as f64)
}

/// A charset declaration found in the first [`DECLARATION_WINDOW`] bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Declaration {
    /// The label as written, e.g. `gb2312`.
    pub(crate) label: String,
    /// The encoding the label names, adjusted as HTML does (a UTF-16 label read from ASCII bytes
    /// means UTF-8; x-user-defined means windows-1252). `None` for a label that names no
    /// supported encoding.
    pub(crate) encoding: Option<&'static Encoding>,
}

impl Declaration {
    fn new(label: &[u8]) -> Self {
        let label = String::from_utf8_lossy(label).trim().to_owned();
        let encoding = match Encoding::for_label(label.as_bytes()) {
            // The declaration was just read as ASCII, so the bytes cannot be UTF-16.
            Some(e) if e == UTF_16LE || e == UTF_16BE => Some(UTF_8),
            Some(e) if e == X_USER_DEFINED => Some(WINDOWS_1252),
            // Labels of encodings browsers refuse to decode (ISO-2022-KR, HZ-GB-2312, …).
            Some(e) if e == REPLACEMENT => None,
            other => other,
        };
        Self { label, encoding }
    }
}

/// The first declaration in `bytes`: an XML declaration at the very start, or a `<meta charset>`
/// / `<meta http-equiv="Content-Type" content="…; charset=…">` outside comments.
pub(crate) fn declaration(bytes: &[u8]) -> Option<Declaration> {
    let bytes = &bytes[..bytes.len().min(DECLARATION_WINDOW)];
    if let Some(label) = xml_declaration(bytes) {
        return Some(Declaration::new(label));
    }
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        i += offset;
        let rest = &bytes[i..];
        if rest.starts_with(b"<!--") {
            // A declaration inside a comment is not one.
            i += 4 + find(&rest[4..], b"-->").map_or(rest.len() - 4, |end| end + 3);
        } else if starts_with_ignore_case(rest, b"<meta")
            && rest.get(5).is_some_and(|&b| b.is_ascii_whitespace() || b == b'/')
        {
            let (attributes, end) = tag_attributes(&rest[5..]);
            if let Some(label) = meta_charset(&attributes) {
                return Some(Declaration::new(label));
            }
            i += 5 + end;
        } else if rest.get(1).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'/') {
            // Skip other tags whole, so that `<a title="<meta charset=x>">` declares nothing.
            let (_, end) = tag_attributes(&rest[1..]);
            i += 1 + end;
        } else {
            i += 1;
        }
    }
    None
}

/// The `encoding` of `<?xml version="1.0" encoding="gb2312"?>` at the start of `bytes`.
fn xml_declaration(bytes: &[u8]) -> Option<&[u8]> {
    let rest = bytes.strip_prefix(b"<?xml")?;
    let rest = &rest[..find(rest, b"?>")?];
    let at = find(rest, b"encoding")?;
    let rest = skip_whitespace(&rest[at + 8..]).strip_prefix(b"=")?;
    let rest = skip_whitespace(rest);
    let quote = *rest.first().filter(|q| matches!(q, b'"' | b'\''))?;
    let value = &rest[1..];
    Some(&value[..value.iter().position(|&b| b == quote)?])
}

/// A tag attribute: lower-cased name, raw value.
type Attribute<'a> = (Vec<u8>, &'a [u8]);

/// The charset of a meta tag's attributes: `charset`, or `content` with an `http-equiv` of
/// `content-type`.
fn meta_charset<'a>(attributes: &[Attribute<'a>]) -> Option<&'a [u8]> {
    let get = |name: &[u8]| attributes.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    if let Some(charset) = get(b"charset") {
        return Some(charset);
    }
    let pragma = get(b"http-equiv")?;
    if !pragma.trim_ascii().eq_ignore_ascii_case(b"content-type") {
        return None;
    }
    charset_in_content(get(b"content")?)
}

/// `text/html; charset=gb2312` → `gb2312` (HTML's "extracting a character encoding from a meta
/// element").
fn charset_in_content(content: &[u8]) -> Option<&[u8]> {
    let at = find_ignore_case(content, b"charset")?;
    let rest = skip_whitespace(&content[at + 7..]).strip_prefix(b"=")?;
    let rest = skip_whitespace(rest);
    match rest.first()? {
        &quote @ (b'"' | b'\'') => {
            let value = &rest[1..];
            Some(&value[..value.iter().position(|&b| b == quote)?])
        }
        _ => Some(&rest[..rest.iter().position(|&b| b.is_ascii_whitespace() || b == b';').unwrap_or(rest.len())]),
    }
}

/// Parses the attributes of a tag whose name has been consumed, up to its `>`. Returns the
/// attributes (lower-cased names) and how many bytes the tag took; an unfinished tag takes the
/// rest of the window.
fn tag_attributes(bytes: &[u8]) -> (Vec<Attribute<'_>>, usize) {
    let mut attributes = Vec::new();
    let mut i = 0;
    // The tag name, if any is left (other tags come here right after `<`).
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'>' | b'/') {
        i += 1;
    }
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        match bytes.get(i) {
            None => return (attributes, bytes.len()),
            Some(b'>') => return (attributes, i + 1),
            Some(_) => {}
        }
        let name_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = bytes[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value: &[u8] = b"";
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let start = i + 1;
                    let len = bytes[start..].iter().position(|&b| b == quote).unwrap_or(bytes.len() - start);
                    value = &bytes[start..start + len];
                    i = (start + len + 1).min(bytes.len());
                }
                _ => {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = &bytes[start..i];
                }
            }
        }
        if !name.is_empty() {
            attributes.push((name, value));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

fn starts_with_ignore_case(haystack: &[u8], prefix: &[u8]) -> bool {
    haystack.len() >= prefix.len() && haystack[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii_start()
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! t {
        ($name:ident, $input:expr, $expected:expr) => {
            #[test]
            fn $name() {
                let found = declaration($input.as_bytes()).map(|d| (d.label, d.encoding.map(|e| e.name())));
                let expected: Option<(&str, Option<&str>)> = $expected;
                assert_eq!(found, expected.map(|(l, e)| (l.to_owned(), e)));
            }
        };
    }

    t!(meta_charset, r#"<html><head><meta charset="gb2312"></head>"#, Some(("gb2312", Some("GBK"))));
    t!(meta_charset_unquoted, "<META CHARSET=big5>", Some(("big5", Some("Big5"))));
    t!(
        http_equiv,
        r#"<meta http-equiv="Content-Type" content="text/html; charset=GB18030" />"#,
        Some(("GB18030", Some("gb18030")))
    );
    t!(
        http_equiv_quoted_charset,
        r#"<meta http-equiv=content-type content='text/html;charset="gbk"'>"#,
        Some(("gbk", Some("GBK")))
    );
    t!(content_without_http_equiv_is_ignored, r#"<meta content="text/html; charset=gbk">"#, None);
    t!(xml_declaration, r#"<?xml version="1.0" encoding="big5"?><rss>"#, Some(("big5", Some("Big5"))));
    t!(utf16_label_means_utf8, r#"<meta charset="utf-16">"#, Some(("utf-16", Some("UTF-8"))));
    t!(unknown_label, r#"<meta charset="klingon">"#, Some(("klingon", None)));
    t!(replacement_label_is_unsupported, r#"<meta charset="hz-gb-2312">"#, Some(("hz-gb-2312", None)));
    t!(commented_out, r#"<!-- <meta charset="big5"> --><meta charset="gbk">"#, Some(("gbk", Some("GBK"))));
    t!(inside_attribute, r#"<a title="<meta charset=big5>">x</a>"#, None);
    t!(metadata_tag_is_not_meta, r#"<metadata charset="big5">"#, None);
    t!(plain_text, "京津冀 charset=gbk", None);

    #[test]
    fn declaration_after_the_window_is_not_seen() {
        let late = format!("{}<meta charset=\"big5\">", " ".repeat(DECLARATION_WINDOW));
        assert_eq!(declaration(late.as_bytes()), None);
    }

    #[test]
    fn zero_byte_patterns() {
        let utf16le: Vec<u8> = "Mars 火星\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = "Mars 火星\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let utf32le: Vec<u8> = "Mars".chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        assert_eq!(zero_bytes(b"plain"), ZeroBytes::None);
        assert_eq!(zero_bytes(&utf16le), ZeroBytes::Utf16(UTF_16LE));
        assert_eq!(zero_bytes(&utf16be), ZeroBytes::Utf16(UTF_16BE));
        assert_eq!(zero_bytes(&utf32le), ZeroBytes::Utf32 { little_endian: true });
        assert_eq!(zero_bytes(b"ab\0\0\x01cd"), ZeroBytes::Binary { count: 2, first: 2 });
        // A stray zero in ASCII text: its UTF-16 reading is pairs of ASCII glued together.
        assert_eq!(
            zero_bytes(b"<?xml version=\"1\x000\" encoding=\"big5\"?>"),
            ZeroBytes::Binary { count: 1, first: 16 }
        );
        // Chinese UTF-16 with a single ASCII character is still UTF-16.
        let chinese: Vec<u8> = "京津冀协同发展工作座谈会\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(zero_bytes(&chinese), ZeroBytes::Utf16(UTF_16LE));
    }
}
