//! Full-width letters and digits, segmented as their half-width forms.
//!
//! jieba joins runs of ASCII letters and digits (`2021`, `PM2.5`) but treats each full-width
//! character (`２０２１`, `ＰＭ２．５`), common in newspaper text, as a symbol of its own. Folding
//! U+FF01–U+FF5E to ASCII before segmenting keeps such numbers and codes whole. Folding maps one
//! character to one character, so a token's character positions in the folded sentence are its
//! positions in the original, and byte spans are mapped back through a table of the original's
//! offsets at each folded char boundary: the spans always point into the unchanged text.

/// Whether `text` holds a full-width letter or digit (U+FF10–U+FF19, U+FF21–U+FF3A,
/// U+FF41–U+FF5A), checked on the UTF-8 bytes: `EF BC 90..99 | A1..BA`, `EF BD 81..9A`.
pub(crate) fn has_full_width_alphanumeric(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(0xEF, bytes).any(|at| match bytes[at + 1..] {
        [0xBC, third, ..] => matches!(third, 0x90..=0x99 | 0xA1..=0xBA),
        [0xBD, third, ..] => matches!(third, 0x81..=0x9A),
        _ => false,
    })
}

/// `text` with U+FF01–U+FF5E replaced by U+0021–U+007E.
pub(crate) fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// For each char boundary of `folded` (and its end), the matching byte offset in `original`,
/// of which it is the [`fold`]: `original[map[s]..map[e]]` is what `folded[s..e]` came from.
pub(crate) fn byte_map(folded: &str, original: &str) -> Vec<usize> {
    let mut map = vec![0; folded.len() + 1];
    for ((f, _), (o, _)) in folded.char_indices().zip(original.char_indices()) {
        map[f] = o;
    }
    map[folded.len()] = original.len();
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_only_letters_and_digits() {
        assert!(has_full_width_alphanumeric("浓度ＰＭ２．５"));
        assert!(has_full_width_alphanumeric("１"));
        assert!(has_full_width_alphanumeric("ｚ"));
        assert!(!has_full_width_alphanumeric("全角标点，（）：！"));
        assert!(!has_full_width_alphanumeric("ascii 2.5"));
        assert!(!has_full_width_alphanumeric("\u{FF0F}\u{FF1A}\u{FF20}\u{FF3B}\u{FF40}\u{FF5B}"));
    }

    #[test]
    fn folds_one_char_to_one_char() {
        let text = "１９９８年ＰＭ２．５下降１５．３％，";
        let folded = fold(text);
        assert_eq!(folded, "1998年PM2.5下降15.3%,");
        assert_eq!(folded.chars().count(), text.chars().count());
        let map = byte_map(&folded, text);
        let (start, end) = (folded.find("PM").unwrap(), folded.find("下").unwrap());
        assert_eq!(&folded[start..end], "PM2.5");
        assert_eq!(&text[map[start]..map[end]], "ＰＭ２．５");
        assert_eq!(&text[map[0]..map[folded.len()]], text);
    }
}
