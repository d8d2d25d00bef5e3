//! Gateway pinyin annotations: `協(xié)同發(fā)展` → `協同發展`.
//!
//! Some Traditional-script gateways annotate the characters they converted with the pinyin of the
//! Simplified original, in parentheses right after the character. Only that shape is removed: one
//! or more parenthesised syllables, each a valid pinyin syllable carrying a tone mark, directly
//! after a Han character. Real parentheses (`(完)`, `(河北日报记者…)`, `（2024年）`, `(café)`)
//! never match, because their content is not a tone-marked syllable.

use std::sync::LazyLock;

use regex::Regex;

static SYLLABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|in|un|vn|ia|ie|iu|ua|uo|ui|ve|ue|a|o|e|i|u|v)$",
    )
    .unwrap()
});

/// The toneless letter of a tone-marked vowel.
fn untoned(c: char) -> Option<char> {
    Some(match c {
        'ā' | 'á' | 'ǎ' | 'à' => 'a',
        'ē' | 'é' | 'ě' | 'è' => 'e',
        'ī' | 'í' | 'ǐ' | 'ì' => 'i',
        'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
        'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
        'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => 'v',
        _ => return None,
    })
}

/// Whether `s` is one pinyin syllable with a tone mark.
pub fn is_toned_syllable(s: &str) -> bool {
    let mut plain = String::with_capacity(s.len());
    let mut toned = false;
    for c in s.chars() {
        match untoned(c) {
            Some(p) => {
                toned = true;
                plain.push(p);
            }
            None if c == 'ü' => plain.push('v'),
            None if c.is_ascii_lowercase() => plain.push(c),
            None => return false,
        }
    }
    toned && SYLLABLE.is_match(&plain)
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{3007}'
        | '\u{20000}'..='\u{2A6DF}' | '\u{2A700}'..='\u{2EBEF}' | '\u{30000}'..='\u{3134F}' | '\u{2F800}'..='\u{2FA1F}')
}

/// Removes the annotations, calling `removed` with each one. Linear in the text: an annotation
/// is at most eight characters, so each `(` is examined once over a bounded window.
pub(crate) fn strip(text: &str, mut removed: impl FnMut(&str)) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['(', '（']) {
        out.push_str(&rest[..i]);
        let after_open = &rest[i..];
        let open_len = after_open.chars().next().map_or(1, char::len_utf8);
        let inner = &after_open[open_len..];
        let close = inner.char_indices().take(9).find(|&(_, c)| c == ')' || c == '）');
        if let Some((j, c)) = close {
            let syllable = &inner[..j];
            if out.chars().next_back().is_some_and(is_han) && is_toned_syllable(syllable) {
                let end = open_len + j + c.len_utf8();
                removed(&after_open[..end]);
                rest = &after_open[end..];
                continue;
            }
        }
        out.push_str(&after_open[..open_len]);
        rest = &after_open[open_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(text: &str) -> (String, Vec<String>) {
        let mut removed = Vec::new();
        let out = strip(text, |r| removed.push(r.to_owned()));
        (out, removed)
    }

    macro_rules! t {
        ($name:ident, $input:expr, $expected:expr) => {
            #[test]
            fn $name() {
                assert_eq!(clean($input).0, $expected);
            }
        };
    }

    t!(pinyin01_gateway, "協(xié)同發(fā)展", "協同發展");
    t!(pinyin02_full_width, "協（xié）同", "協同");
    t!(pinyin03_umlaut, "綠(lǜ)色", "綠色");
    t!(pinyin04_two_in_a_row, "現(xiàn)(xiàn)代", "現代");
    t!(pinyin05_reporters_stay, "(河北日报记者四建磊、吴韬)", "(河北日报记者四建磊、吴韬)");
    t!(pinyin06_end_stays, "参加会议。(完)", "参加会议。(完)");
    t!(pinyin07_year_stays, "规划（2024年）", "规划（2024年）");
    t!(pinyin08_pm25_stays, "PM2.5平均濃度", "PM2.5平均濃度");
    t!(pinyin09_quotes_stay, "雄安“1+4+26”規劃", "雄安“1+4+26”規劃");
    t!(pinyin10_toneless_stays, "協(xie)同", "協(xie)同");
    t!(pinyin11_not_after_han, "word (xié) more", "word (xié) more");
    t!(pinyin12_french_stays, "咖啡(café)", "咖啡(café)");
    t!(pinyin13_abbreviation_stays, "天津(TJ)", "天津(TJ)");
    t!(pinyin14_unclosed, "協(xié", "協(xié");
    t!(pinyin15_nested_stays, "設備(天津)有限公司", "設備(天津)有限公司");

    #[test]
    fn removed_annotations_are_reported() {
        assert_eq!(clean("協(xié)同發(fā)展").1, ["(xié)", "(fā)"]);
    }
}
