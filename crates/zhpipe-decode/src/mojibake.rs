//! Mojibake repair: UTF-8 text that was once decoded with the wrong encoding and saved again.
//!
//! The repair undoes the mistake literally: encode the text back into the wrong encoding, which
//! gives the original bytes, and decode those as UTF-8. It is accepted only when both steps are
//! exact (every character encodable, the bytes valid UTF-8) *and* the result reads better
//! ([`plausibility`]). Exactness alone already protects clean Chinese: a hanzi is not encodable in
//! windows-1252, and the GBK bytes of Chinese text are almost never valid UTF-8. The plausibility
//! check guards the rest, e.g. a line of Latin-1 symbols that happens to form valid UTF-8.
//!
//! Lossy mojibake cannot be undone exactly: when UTF-8 bytes were read as GBK, a run of an odd
//! number of bytes before ASCII leaves a byte the GBK decoder replaced by U+FFFD, and that byte
//! is gone. Such text is left as it is.

use std::sync::OnceLock;

use encoding_rs::{BIG5, Encoding, GBK, WINDOWS_1252};

/// A wrong decoding the repair knows how to undo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Misreading {
    /// UTF-8 bytes read as windows-1252 (or as ISO-8859-1, which differs only in 0x80..=0x9F).
    Windows1252,
    /// UTF-8 bytes read as GBK (the usual mistake of Chinese software before UTF-8 won).
    Gbk,
}

impl Misreading {
    /// How the report names it.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Misreading::Windows1252 => "utf-8 read as windows-1252",
            Misreading::Gbk => "utf-8 read as GBK",
        }
    }
}

/// The repaired text and which misreading it undid, or `None` when the text is left alone.
pub(crate) fn repair(text: &str) -> Option<(String, Misreading)> {
    // ASCII text cannot be mojibake of anything.
    let first_non_ascii = text.bytes().position(|b| !b.is_ascii())?;
    for misreading in [Misreading::Windows1252, Misreading::Gbk] {
        let Some(bytes) = original_bytes(text, first_non_ascii, misreading) else { continue };
        let Ok(repaired) = String::from_utf8(bytes) else { continue };
        let accepted = match misreading {
            // Latin text whose windows-1252 bytes form UTF-8 sequences that decode to CJK does
            // not occur: such a round trip restoring hanzi or CJK punctuation is proof enough,
            // even where the repaired text is mostly punctuation (。，) and scores low.
            Misreading::Windows1252 => reads_better(&repaired, text) || restores_cjk(&repaired, text),
            Misreading::Gbk => reads_better(&repaired, text),
        };
        if accepted {
            return Some((repaired, misreading));
        }
    }
    None
}

/// The bytes `text` was decoded from under `misreading`, if every character maps back.
fn original_bytes(text: &str, first_non_ascii: usize, misreading: Misreading) -> Option<Vec<u8>> {
    match misreading {
        Misreading::Windows1252 => windows_1252_or_latin1_bytes(text),
        Misreading::Gbk => {
            // Encoding a whole clean document only to find invalid UTF-8 would double the cost of
            // decoding; a short stretch from the first non-ASCII character settles nearly all.
            let probe = prefix_at_boundary(&text[first_non_ascii..], 240);
            let (bytes, _, unmappable) = GBK.encode(probe);
            if unmappable || !is_utf8_prefix(&bytes) {
                return None;
            }
            let (bytes, _, unmappable) = GBK.encode(text);
            (!unmappable).then(|| bytes.into_owned())
        }
    }
}

/// Encodes into windows-1252, also accepting the C1 controls U+0080..=U+009F as their own byte
/// (what an ISO-8859-1 decoder makes of 0x80..=0x9F). Stops at the first other character.
fn windows_1252_or_latin1_bytes(text: &str) -> Option<Vec<u8>> {
    // No capacity up front: clean text fails on its first hanzi, and a large allocation freed
    // at once makes the allocator hand the pages back to the kernel on every document.
    let mut bytes = Vec::new();
    for c in text.chars() {
        let code = c as u32;
        if code <= 0xFF {
            bytes.push(code as u8);
        } else {
            bytes.push(windows_1252_high_byte(c)?);
        }
    }
    Some(bytes)
}

/// The byte in 0x80..=0x9F that windows-1252 decodes to `c` (€, ‚, ƒ, „, …, †, ‡, ˆ, ‰, …).
fn windows_1252_high_byte(c: char) -> Option<u8> {
    static TABLE: OnceLock<[char; 32]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let bytes: Vec<u8> = (0x80..=0x9F).collect();
        let (decoded, _) = WINDOWS_1252.decode_without_bom_handling(&bytes);
        let mut table = ['\0'; 32];
        for (slot, c) in table.iter_mut().zip(decoded.chars()) {
            *slot = c;
        }
        table
    });
    table.iter().position(|&t| t == c).map(|i| 0x80 + i as u8)
}

/// Whether `bytes` is valid UTF-8 except perhaps for a sequence cut off at the end.
fn is_utf8_prefix(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// At most `max` bytes of `text`, cut on a char boundary.
fn prefix_at_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Whether the repaired text is plausibly the real one: its characters are, on average, clearly
/// more like Chinese text than those of the text it replaces.
fn reads_better(repaired: &str, original: &str) -> bool {
    let (Some(new), Some(old)) = (plausibility(repaired), plausibility(original)) else {
        return false;
    };
    new.bad <= old.bad && new.mean() >= old.mean() + 0.5
}

/// Whether the repaired text holds CJK characters or punctuation and reads no worse.
fn restores_cjk(repaired: &str, original: &str) -> bool {
    let cjk = |c: char| matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x9FFF | 0xFF00..=0xFFEF);
    let (Some(new), Some(old)) = (plausibility(repaired), plausibility(original)) else {
        return false;
    };
    repaired.chars().any(cjk) && new.bad <= old.bad && new.mean() >= old.mean()
}

/// How much a text looks like real text: a score per non-ASCII character.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Plausibility {
    total: i64,
    chars: u64,
    /// Replacement characters, private-use characters and controls.
    pub(crate) bad: u64,
}

impl Plausibility {
    /// Mean score per non-ASCII character: about 2 for ordinary Chinese, 0 or below for
    /// mojibake.
    pub(crate) fn mean(&self) -> f64 {
        self.total as f64 / self.chars.max(1) as f64
    }
}

/// Scores the non-ASCII characters of `text`: common hanzi (GB2312 level 1, Big5 level 1) +2,
/// rare hanzi −1, replacement/private-use/control characters −3, anything else 0. `None` for
/// text without non-ASCII characters (nothing to judge).
pub(crate) fn plausibility(text: &str) -> Option<Plausibility> {
    let common = common_hanzi();
    let mut p = Plausibility::default();
    for c in text.chars().filter(|c| !c.is_ascii()) {
        let code = c as u32;
        p.chars += 1;
        p.total += match code {
            0x4E00..=0x9FFF if common.contains(code) => 2,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0x20000..=0x3FFFF => -1,
            0x80..=0x9F | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFFFD => {
                p.bad += 1;
                -3
            }
            _ => 0,
        };
    }
    (p.chars > 0).then_some(p)
}

/// The hanzi of GB2312 level 1 and Big5's frequently used set: ~7,000 characters that cover
/// nearly all running Simplified and Traditional text.
struct CommonHanzi {
    bits: Vec<u64>,
}

impl CommonHanzi {
    fn contains(&self, code: u32) -> bool {
        let i = (code - 0x4E00) as usize;
        self.bits[i / 64] & (1 << (i % 64)) != 0
    }
}

fn common_hanzi() -> &'static CommonHanzi {
    static COMMON: OnceLock<CommonHanzi> = OnceLock::new();
    COMMON.get_or_init(|| {
        let mut bits = vec![0u64; (0xA000 - 0x4E00) / 64];
        let mut add = |encoding: &'static Encoding, leads: std::ops::RangeInclusive<u8>, trails: &[u8]| {
            let mut bytes = Vec::new();
            for lead in leads {
                for &trail in trails {
                    bytes.extend_from_slice(&[lead, trail]);
                }
            }
            let (decoded, _) = encoding.decode_without_bom_handling(&bytes);
            for c in decoded.chars() {
                if let 0x4E00..=0x9FFF = c as u32 {
                    let i = c as usize - 0x4E00;
                    bits[i / 64] |= 1 << (i % 64);
                }
            }
        };
        let gb2312_trails: Vec<u8> = (0xA1..=0xFE).collect();
        add(GBK, 0xB0..=0xD7, &gb2312_trails);
        let big5_trails: Vec<u8> = (0x40..=0x7E).chain(0xA1..=0xFE).collect();
        add(BIG5, 0xA4..=0xC6, &big5_trails);
        CommonHanzi { bits }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_the_two_classic_misreadings() {
        assert_eq!(repair("äº¬æ´¥å†€"), Some(("京津冀".to_owned(), Misreading::Windows1252)));
        assert_eq!(repair("鍖椾含"), Some(("北京".to_owned(), Misreading::Gbk)));
    }

    #[test]
    fn iso_8859_1_reading_with_c1_controls_is_repaired_too() {
        // 冀 is E5 86 80: an ISO-8859-1 decoder turns 0x86 and 0x80 into C1 controls.
        let misread: String = "京津冀".bytes().map(char::from).collect();
        assert_eq!(repair(&misread).map(|(text, _)| text).as_deref(), Some("京津冀"));
    }

    #[test]
    fn leaves_clean_and_latin_text_alone() {
        for text in ["京津冀协同发展", "京津冀協同發展", "für Wohnungssuche", "café €5", "ASCII only", "Ã"]
        {
            assert_eq!(repair(text), None, "{text}");
        }
    }

    #[test]
    fn common_hanzi_cover_both_scripts() {
        let common = common_hanzi();
        for c in "京津冀协同发展協發國".chars() {
            assert!(common.contains(c as u32), "{c}");
        }
        assert!(!common.contains('鍖' as u32));
    }
}
