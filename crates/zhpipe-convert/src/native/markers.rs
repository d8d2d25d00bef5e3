//! Which characters mark a script, derived from the embedded character tables.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::data;
use crate::dict::{DictError, TextDict};

/// Characters that mark a script: Traditional-only ones change under t2s (`TSCharacters`),
/// Simplified-only ones change under s2t (`STCharacters`); a character in both lists marks
/// neither.
pub struct ScriptMarkers {
    traditional: Box<[u64]>,
    simplified: Box<[u64]>,
    traditional_astral: HashSet<char>,
    simplified_astral: HashSet<char>,
}

const BMP_WORDS: usize = 0x10000 / 64;

impl ScriptMarkers {
    /// The markers derived from the embedded dictionaries, built once per process.
    pub fn get() -> &'static ScriptMarkers {
        static MARKERS: OnceLock<ScriptMarkers> = OnceLock::new();
        MARKERS.get_or_init(|| Self::build().expect("embedded dictionaries parse"))
    }

    fn build() -> Result<Self, DictError> {
        let changing = |file: &str| -> Result<HashSet<char>, DictError> {
            let dict = TextDict::parse(file, data::dictionary(file).expect("embedded"))?;
            Ok(dict
                .entries
                .iter()
                .filter(|e| e.candidates[0] != e.key)
                .filter_map(|e| {
                    let mut chars = e.key.chars();
                    let c = chars.next()?;
                    chars.next().is_none().then_some(c)
                })
                .collect())
        };
        let ts = changing("TSCharacters.txt")?;
        let st = changing("STCharacters.txt")?;
        let mut markers = ScriptMarkers {
            traditional: vec![0; BMP_WORDS].into_boxed_slice(),
            simplified: vec![0; BMP_WORDS].into_boxed_slice(),
            traditional_astral: HashSet::new(),
            simplified_astral: HashSet::new(),
        };
        for &c in ts.difference(&st) {
            set(&mut markers.traditional, &mut markers.traditional_astral, c);
        }
        for &c in st.difference(&ts) {
            set(&mut markers.simplified, &mut markers.simplified_astral, c);
        }
        Ok(markers)
    }

    /// Whether `c` is a Traditional-only character.
    #[inline]
    pub fn is_traditional(&self, c: char) -> bool {
        get(&self.traditional, &self.traditional_astral, c)
    }

    /// Whether `c` is a Simplified-only character.
    #[inline]
    pub fn is_simplified(&self, c: char) -> bool {
        get(&self.simplified, &self.simplified_astral, c)
    }

    /// Counts Traditional-only and Simplified-only characters in `text`.
    pub fn count(&self, text: &str) -> ScriptCounts {
        // Han characters are 3-byte (BMP) or 4-byte (supplementary) UTF-8 sequences; decoding
        // only those, straight from the bytes, keeps detection cheap next to the conversion.
        let mut counts = ScriptCounts::default();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let lead = bytes[i];
            if lead < 0xE0 {
                i += if lead < 0x80 { 1 } else { 2 };
            } else if lead < 0xF0 {
                let code = ((lead as usize & 0x0F) << 12)
                    | ((bytes[i + 1] as usize & 0x3F) << 6)
                    | (bytes[i + 2] as usize & 0x3F);
                counts.traditional += (self.traditional[code / 64] >> (code % 64) & 1) as usize;
                counts.simplified += (self.simplified[code / 64] >> (code % 64) & 1) as usize;
                i += 3;
            } else {
                let c = text[i..].chars().next().expect("char boundary");
                counts.traditional += self.traditional_astral.contains(&c) as usize;
                counts.simplified += self.simplified_astral.contains(&c) as usize;
                i += 4;
            }
        }
        counts
    }
}

fn set(bits: &mut [u64], astral: &mut HashSet<char>, c: char) {
    let code = c as usize;
    if code < 0x10000 {
        bits[code / 64] |= 1 << (code % 64);
    } else {
        astral.insert(c);
    }
}

#[inline]
fn get(bits: &[u64], astral: &HashSet<char>, c: char) -> bool {
    let code = c as usize;
    if code < 0x10000 { bits[code / 64] & (1 << (code % 64)) != 0 } else { astral.contains(&c) }
}

/// How many script-marking characters a text holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScriptCounts {
    /// Characters found only in Traditional text.
    pub traditional: usize,
    /// Characters found only in Simplified text.
    pub simplified: usize,
}

impl std::ops::AddAssign for ScriptCounts {
    fn add_assign(&mut self, other: Self) {
        self.traditional += other.traditional;
        self.simplified += other.simplified;
    }
}
