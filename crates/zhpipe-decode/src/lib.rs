//! Decoding: raw bytes in any encoding Chinese archives use (UTF-8, GBK/GB18030, Big5,
//! UTF-16, …) to text, with a report of how the encoding was chosen.
//!
//! The stage is [`Decode`], built from a [`DecodeConfig`]; [`Decode::decode`] turns bytes into a
//! [`Decoded`] (text, [`EncodingReport`], notes) and is what the stage's `process` runs. Decoding
//! itself is encoding_rs (the WHATWG decoders of Firefox), detection is chardetng (Firefox's
//! detector for unlabelled legacy content).
//!
//! # How the encoding is chosen
//!
//! In the order a browser uses, because archived pages were written for browsers and tested in
//! them: whatever made a page display correctly there is the best evidence of its encoding.
//!
//! 1. **Byte-order mark** (UTF-8, UTF-16LE/BE): unambiguous, it wins over everything.
//! 2. **Zero bytes**: text has none, except UTF-16 (or UTF-32) without a mark, recognised from
//!    zeros that fall (nearly) only in the high half of code units. Other zeros, or more than
//!    5% control bytes in the first 64 KiB, make the file binary: an error, not a page of
//!    U+FFFD.
//! 3. **Declaration** in the first 1024 bytes: `<meta charset>`, `<meta http-equiv=
//!    "Content-Type" content="…charset=…">` or an XML declaration, mapped with
//!    [`Encoding::for_label`]. A declaration is a claim about the bytes, so the bytes are checked
//!    against it. The GB family is decoded as GB18030 whatever the label says, because pages
//!    declared `gb2312` routinely use GBK characters (朱镕基) and sometimes GB18030 four-byte
//!    ones; the report names the encoding the bytes actually need and says when that goes past
//!    the label (`overridden`). A declaration whose bytes do not decode (UTF-8 declared, GBK
//!    bytes), or a Western single-byte one (`iso-8859-1`, which decodes any byte) over
//!    non-ASCII bytes, is checked by detection, which wins only if its result decodes every
//!    byte and reads clearly better (more common hanzi, fewer U+FFFD). So a UTF-8 page with one
//!    broken byte stays UTF-8, and a Big5 page with a few bad sequences never becomes
//!    windows-1252.
//! 4. **Detection** with chardetng (UTF-8 allowed: these are files, not live pages; valid UTF-8
//!    is taken without it). chardetng is fed 1 KiB pieces until it has seen 2,048 non-ASCII
//!    bytes (about 1,000 hanzi), not the whole file: it is much slower than encoding_rs (the
//!    "samples one by one" case of `cargo xtask bench decode` is mostly chardetng), and its
//!    guess has settled long before (`cargo xtask eval decode` scores the same on the chardet
//!    and uchardet sets with any limit from 256 to 4,096). Counting
//!    non-ASCII bytes rather than taking a fixed prefix keeps HTML whose first kilobytes are
//!    ASCII markup from being judged on too little. The guess is then checked by the full
//!    decode, and a guess that leaves malformed sequences is redone on the whole file.
//! 5. **Hint** (`default_encoding`): biases detection the way a browser uses the top-level domain
//!    (`gb18030` → `.cn`, `big5` → `.tw`), and is used when detection's guess does not decode.
//! 6. **Fallback**: UTF-8, for ASCII-only input without a hint.
//!
//! Malformed sequences are replaced by U+FFFD and counted (`replacements`, with a note); U+FFFD
//! already present in the input is not counted. Finally, text that is UTF-8 once misread as
//! windows-1252 (`äº¬æ´¥å†€`) or GBK (`鍖椾含`) is repaired when the round trip is exact and
//! the result reads better (`repair_mojibake`).
//!
//! Not decoded, because no WHATWG decoder exists: UTF-32 and ISO-2022-KR are refused with an
//! error naming them; EUC-TW and HZ-GB-2312 are not recognised (EUC-TW bytes come out as GBK).
//!
//! ```
//! use zhpipe_decode::{Decode, DecodeConfig};
//! use zhpipe_core::EncodingSource;
//!
//! let stage = Decode::new(DecodeConfig::default()).unwrap();
//!
//! // Declared gb2312, but 朱镕基's 镕 is a GBK character: decoded all the same.
//! let mut page = b"<meta charset=\"gb2312\">".to_vec();
//! page.extend_from_slice(&encoding_rs::GBK.encode("朱镕基").0);
//! let decoded = stage.decode(&page).unwrap();
//! assert!(decoded.text.ends_with("朱镕基"));
//! assert_eq!(decoded.report.encoding, "GBK");
//! assert_eq!(decoded.report.source, EncodingSource::Declared);
//! assert!(decoded.report.overridden);
//!
//! // Mojibake: UTF-8 read as windows-1252 and saved again.
//! let decoded = stage.decode("äº¬æ´¥å†€".as_bytes()).unwrap();
//! assert_eq!(decoded.text, "京津冀");
//! assert_eq!(decoded.report.repaired.as_deref(), Some("utf-8 read as windows-1252"));
//! ```

mod mojibake;
mod prescan;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{
    BIG5, DecoderResult, EUC_JP, EUC_KR, Encoding, GB18030, GBK, IBM866, ISO_2022_JP, ISO_8859_5, KOI8_R, KOI8_U,
    REPLACEMENT, SHIFT_JIS, UTF_8, WINDOWS_1251,
};
use serde::Deserialize;
use zhpipe_core::{
    ConfigError, Document, EncodingReport, EncodingSource, Layers, Note, Registry, Stage, StageDescriptor, StageError,
    StageSpec,
};

use crate::prescan::ZeroBytes;

const STAGE: &str = "decode";

/// How many non-ASCII bytes chardetng sees before its guess is checked by decoding (about 1,000
/// hanzi; see the module doc).
const DETECTION_NON_ASCII: usize = 2048;

/// The pieces chardetng is fed in, checking [`DETECTION_NON_ASCII`] after each.
const DETECTION_CHUNK: usize = 1024;

/// Registers this crate's stages.
pub fn register(registry: &mut Registry) {
    registry.register(&DESCRIPTOR, build);
}

/// The `decode` stage: bytes in, text out.
pub static DESCRIPTOR: StageDescriptor = StageDescriptor::new(
    STAGE,
    "bytes to text: byte-order mark, declaration, detection (chardetng), mojibake repair",
    Layers::empty(),
    Layers::TEXT,
);

fn build(spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    Ok(Box::new(Decode::new(spec.parse()?)?))
}

/// The `[[stage]]` table of `use = "decode"`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DecodeConfig {
    /// Documents larger than this many bytes are refused with an error record. The driver's
    /// `[input] max_bytes` refuses files before reading them; this limit also covers documents
    /// that arrive inside JSONL records (`bytes_base64`, `text`), which that check never sees.
    #[serde(default = "DecodeConfig::default_max_bytes")]
    pub max_bytes: u64,
    /// The encoding to expect when the bytes do not say: a WHATWG label such as `gb18030`,
    /// `big5` or `windows-1252`. It biases detection (as a browser's top-level domain does),
    /// decodes input whose detected encoding fails, and decodes pure ASCII. Unset: UTF-8.
    #[serde(default)]
    pub default_encoding: Option<String>,
    /// Repair text that is UTF-8 once misread as windows-1252/Latin-1 or GBK (`äº¬æ´¥å†€`,
    /// `鍖椾含`). Only exact round trips that read better are applied; clean text is never
    /// changed.
    #[serde(default = "DecodeConfig::default_repair_mojibake")]
    pub repair_mojibake: bool,
}

impl DecodeConfig {
    fn default_max_bytes() -> u64 {
        16 * 1024 * 1024
    }

    fn default_repair_mojibake() -> bool {
        true
    }
}

impl Default for DecodeConfig {
    fn default() -> Self {
        Self {
            max_bytes: Self::default_max_bytes(),
            default_encoding: None,
            repair_mojibake: Self::default_repair_mojibake(),
        }
    }
}

/// The decode stage, built once from a [`DecodeConfig`].
#[derive(Clone, Debug)]
pub struct Decode {
    max_bytes: u64,
    hint: Option<&'static Encoding>,
    repair_mojibake: bool,
}

/// The result of decoding one document.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// How it was decoded.
    pub report: EncodingReport,
    /// Replacements, overridden declarations and repairs, as notes of the `decode` stage.
    pub notes: Vec<Note>,
}

/// An encoding chosen, with the text it gave.
struct Choice {
    encoding: &'static Encoding,
    /// The report's name when it is not [`report_name`]'s (GB18030 declared as such).
    name: Option<&'static str>,
    source: EncodingSource,
    text: String,
    replacements: u64,
}

impl Decode {
    /// Builds the stage. An unknown `default_encoding` label is a config error.
    pub fn new(config: DecodeConfig) -> Result<Self, ConfigError> {
        let hint = match config.default_encoding.as_deref() {
            None => None,
            Some(label) => {
                let encoding = Encoding::for_label(label.as_bytes()).ok_or_else(|| {
                    ConfigError::new(format!(
                        "default_encoding: unknown encoding label `{label}`; use a WHATWG label such as \
                         `gb18030`, `big5`, `utf-8` or `windows-1252`"
                    ))
                })?;
                if encoding == REPLACEMENT || !encoding.is_ascii_compatible() {
                    return Err(ConfigError::new(format!(
                        "default_encoding: `{label}` ({}) cannot be a default: {}",
                        encoding.name(),
                        if encoding == REPLACEMENT {
                            "browsers refuse to decode it, and so does zhpipe"
                        } else {
                            "UTF-16 is recognised from its byte-order mark or zero bytes"
                        }
                    )));
                }
                Some(decoder_for(encoding))
            }
        };
        Ok(Self { max_bytes: config.max_bytes, hint, repair_mojibake: config.repair_mojibake })
    }

    /// Decodes one document's bytes. Errors (empty, binary, over the size limit, UTF-32) name
    /// the cause; everything recoverable is a note.
    pub fn decode(&self, bytes: &[u8]) -> Result<Decoded, StageError> {
        self.check_size(bytes.len())?;
        if bytes.is_empty() {
            return Err(StageError::invalid_input("empty file (0 bytes)"));
        }
        let mut notes = Vec::new();
        let mut declared = None;
        let mut overridden = false;
        let choice = self.choose(bytes, &mut declared, &mut overridden, &mut notes)?;
        let encoding = choice.name.unwrap_or_else(|| report_name(choice.encoding, bytes));
        if choice.replacements > 0 {
            notes.push(note(
                "replaced-bytes",
                Some(choice.replacements),
                format!("{} malformed byte sequences in {encoding} input replaced by U+FFFD", choice.replacements),
            ));
        }
        let mut report = EncodingReport {
            encoding: encoding.to_owned(),
            source: choice.source,
            declared,
            overridden,
            replacements: choice.replacements,
            repaired: None,
        };
        let mut text = choice.text;
        if let Some(repaired) = self.repair(&text, &mut report, &mut notes) {
            text = repaired;
        }
        Ok(Decoded { text, report, notes })
    }

    fn check_size(&self, len: usize) -> Result<(), StageError> {
        if len as u64 > self.max_bytes {
            return Err(StageError::invalid_input(format!(
                "{len} bytes, over the decode size limit of {} bytes (decode max_bytes)",
                self.max_bytes
            )));
        }
        Ok(())
    }

    fn repair(&self, text: &str, report: &mut EncodingReport, notes: &mut Vec<Note>) -> Option<String> {
        if !self.repair_mojibake {
            return None;
        }
        let (repaired, misreading) = mojibake::repair(text)?;
        report.repaired = Some(misreading.describe().to_owned());
        notes.push(note(
            "mojibake-repaired",
            None,
            format!("the text was {} and saved again (mojibake); repaired", misreading.describe()),
        ));
        Some(repaired)
    }

    /// Steps 1–6 of the module doc.
    fn choose(
        &self,
        bytes: &[u8],
        declared: &mut Option<String>,
        overridden: &mut bool,
        notes: &mut Vec<Note>,
    ) -> Result<Choice, StageError> {
        if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
            return Err(StageError::invalid_input(
                "UTF-32 byte-order mark: UTF-32 is not supported; convert the file to UTF-8",
            ));
        }
        if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
            let body = &bytes[bom_len..];
            if body.is_empty() {
                return Err(StageError::invalid_input("empty file (only a byte-order mark)"));
            }
            return Ok(choice(encoding, EncodingSource::Bom, body));
        }
        match prescan::zero_bytes(bytes) {
            ZeroBytes::None => {}
            ZeroBytes::Utf16(encoding) => return Ok(choice(encoding, EncodingSource::Detected, bytes)),
            ZeroBytes::Utf32 { little_endian } => {
                return Err(StageError::invalid_input(format!(
                    "UTF-32{} without a byte-order mark: UTF-32 is not supported; convert the file to UTF-8",
                    if little_endian { "LE" } else { "BE" }
                )));
            }
            ZeroBytes::Binary { count, first } => {
                return Err(StageError::invalid_input(format!(
                    "binary file: {count} NUL bytes, the first at byte {first}"
                )));
            }
        }
        if bytes[..bytes.len().min(prescan::DECLARATION_WINDOW)].windows(4).any(|w| w == b"\x1b$)C") {
            // Its designator opens the text, and its shift bytes would otherwise pass for
            // binary; name it instead.
            return Err(StageError::invalid_input(
                "ISO-2022-KR (escape sequence ESC $ ) C) is not supported; convert the file to UTF-8",
            ));
        }
        if let Some(share) = prescan::control_share_over_limit(bytes) {
            return Err(StageError::invalid_input(format!(
                "binary file: {:.1}% control bytes in the first {} bytes (text has at most {:.0}%)",
                share * 100.0,
                bytes.len().min(prescan::CONTROL_WINDOW),
                prescan::MAX_CONTROL_SHARE * 100.0
            )));
        }
        let Some(declaration) = prescan::declaration(bytes) else {
            return Ok(self.detect(bytes));
        };
        *declared = Some(declaration.label.clone());
        let Some(encoding) = declaration.encoding else {
            *overridden = true;
            notes.push(note(
                "unknown-declaration",
                None,
                format!("declared charset `{}` names no encoding zhpipe decodes; detected instead", declaration.label),
            ));
            return Ok(self.detect(bytes));
        };
        let encoding = decoder_for(encoding);
        let mut by_declaration = choice(encoding, EncodingSource::Declared, bytes);
        if encoding == GB18030 && by_declaration.replacements == 0 {
            let promised = GbLevel::of_label(&declaration.label);
            let needed = GbLevel::of_bytes(bytes);
            if needed > promised {
                *overridden = true;
                notes.push(note(
                    "declaration-overridden",
                    None,
                    format!(
                        "declared `{}`, but the bytes use {} characters; decoded as {}",
                        declaration.label,
                        needed.name(),
                        if needed == GbLevel::Gb18030 { "GB18030" } else { "GBK" }
                    ),
                ));
            }
            if promised == GbLevel::Gb18030 {
                by_declaration.name = Some("GB18030");
            }
        }
        if !may_contradict(&by_declaration, bytes) {
            return Ok(by_declaration);
        }
        let detected = self.detect(bytes);
        if !contradicts(&detected, &by_declaration) {
            return Ok(by_declaration);
        }
        *overridden = true;
        notes.push(note(
            "declaration-overridden",
            None,
            format!(
                "declared `{}`, but the bytes are not {} ({} malformed sequences); decoded as {}",
                declaration.label,
                encoding.name(),
                by_declaration.replacements,
                report_name(detected.encoding, bytes)
            ),
        ));
        Ok(detected)
    }

    /// Steps 4–6: detection, hint, fallback.
    fn detect(&self, bytes: &[u8]) -> Choice {
        let ascii_only = Encoding::ascii_valid_up_to(bytes) == bytes.len();
        if ascii_only && !bytes.contains(&0x1B) {
            // Nothing to detect from; ISO-2022-JP (escape sequences) is left to chardetng.
            return match self.hint {
                Some(hint) => choice(hint, EncodingSource::Hint, bytes),
                None => choice(UTF_8, EncodingSource::Fallback, bytes),
            };
        }
        if let Some(text) = UTF_8.decode_without_bom_handling_and_without_replacement(bytes) {
            let text = text.into_owned();
            return Choice { encoding: UTF_8, name: None, source: EncodingSource::Detected, text, replacements: 0 };
        }
        let (encoding, source, fed_everything) = self.guess(bytes, false);
        let mut best = choice(encoding, source, bytes);
        if best.replacements > 0 && !fed_everything {
            let (encoding, source, _) = self.guess(bytes, true);
            if !same_family(encoding, best.encoding) {
                let whole = choice(encoding, source, bytes);
                if whole.replacements < best.replacements {
                    best = whole;
                }
            }
        }
        if best.replacements > 0
            && let Some(hint) = self.hint.filter(|&hint| !same_family(hint, best.encoding))
        {
            let hinted = choice(hint, EncodingSource::Hint, bytes);
            if hinted.replacements < best.replacements {
                best = hinted;
            }
        }
        best
    }

    /// chardetng's guess for `bytes`, whether the hint decided it, and whether chardetng saw
    /// all of `bytes`: unless `everything` is asked for, it is fed in chunks until it has seen
    /// [`DETECTION_NON_ASCII`] non-ASCII bytes.
    fn guess(&self, bytes: &[u8], everything: bool) -> (&'static Encoding, EncodingSource, bool) {
        let mut detector = EncodingDetector::new(Iso2022JpDetection::Allow);
        let mut fed = 0;
        let mut non_ascii = 0;
        for chunk in bytes.chunks(DETECTION_CHUNK) {
            fed += chunk.len();
            detector.feed(chunk, fed == bytes.len());
            non_ascii += chunk.iter().filter(|&&b| b >= 0x80).count();
            if !everything && non_ascii >= DETECTION_NON_ASCII {
                break;
            }
        }
        let fed_everything = fed == bytes.len();
        let plain = decoder_for(detector.guess(None, Utf8Detection::Allow));
        if let Some(hint) = self.hint
            && let Some(tld) = hint_tld(hint)
        {
            let biased = decoder_for(detector.guess(Some(tld), Utf8Detection::Allow));
            if !same_family(biased, plain) && same_family(biased, hint) {
                return (biased, EncodingSource::Hint, fed_everything);
            }
        }
        (plain, EncodingSource::Detected, fed_everything)
    }
}

impl Stage for Decode {
    fn descriptor(&self) -> &'static StageDescriptor {
        &DESCRIPTOR
    }

    fn process(&self, doc: &mut Document) -> Result<(), StageError> {
        if !doc.layers().contains(Layers::RAW) {
            // Already text (a JSONL `text` record): nothing to decode, but the size limit and
            // the mojibake repair apply all the same.
            self.check_size(doc.text.len())?;
            let mut report = doc.encoding.take().unwrap_or(EncodingReport {
                encoding: "UTF-8".into(),
                source: EncodingSource::Text,
                declared: None,
                overridden: false,
                replacements: 0,
                repaired: None,
            });
            let mut notes = Vec::new();
            if let Some(repaired) = self.repair(&doc.text, &mut report, &mut notes) {
                doc.set_text(repaired);
            }
            doc.encoding = Some(report);
            doc.notes.extend(notes);
            return Ok(());
        }
        let raw = doc.take_raw();
        let decoded = self.decode(&raw)?;
        doc.set_text(decoded.text);
        doc.encoding = Some(decoded.report);
        doc.notes.extend(decoded.notes);
        Ok(())
    }
}

/// Decodes `bytes` with `encoding`, counting the malformed sequences the decoder replaces.
fn choice(encoding: &'static Encoding, source: EncodingSource, bytes: &[u8]) -> Choice {
    let (text, replacements) = decode_counting(encoding, bytes);
    Choice { encoding, name: None, source, text, replacements }
}

/// Decodes without BOM handling, replacing each malformed sequence by U+FFFD and counting it.
/// U+FFFD characters already in the input are decoded like any other and not counted.
fn decode_counting(encoding: &'static Encoding, bytes: &[u8]) -> (String, u64) {
    if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        return (text.into_owned(), 0);
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len());
    let mut text = String::with_capacity(capacity);
    let mut input = bytes;
    let mut replacements = 0;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(input, &mut text, true);
        input = &input[read..];
        match result {
            DecoderResult::InputEmpty => return (text, replacements),
            DecoderResult::Malformed(_, _) => {
                replacements += 1;
                text.push('\u{FFFD}');
            }
            DecoderResult::OutputFull => {
                let more = decoder.max_utf8_buffer_length_without_replacement(input.len()).unwrap_or(input.len());
                text.reserve(more.max(4));
            }
        }
    }
}

/// The decoder to use for an encoding: the GB family as GB18030, so that GBK and four-byte
/// characters survive whatever the label (encoding_rs's GBK and GB18030 decoders are the same
/// decoder; this keeps the choice explicit).
fn decoder_for(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == GBK { GB18030 } else { encoding }
}

fn same_family(a: &'static Encoding, b: &'static Encoding) -> bool {
    decoder_for(a) == decoder_for(b)
}

/// The name the report gives: the WHATWG name, except that GB-family bytes are named after
/// what they need (`GBK`, or `GB18030` when they use four-byte sequences).
fn report_name(encoding: &'static Encoding, bytes: &[u8]) -> &'static str {
    if decoder_for(encoding) == GB18030 {
        if GbLevel::of_bytes(bytes) == GbLevel::Gb18030 { "GB18030" } else { "GBK" }
    } else {
        encoding.name()
    }
}

/// The top-level domain whose pages a browser expects in `hint`'s script.
fn hint_tld(hint: &'static Encoding) -> Option<&'static [u8]> {
    let encodings_and_tlds: [(&[&'static Encoding], &'static [u8]); 4] =
        [(&[GB18030, GBK], b"cn"), (&[BIG5], b"tw"), (&[SHIFT_JIS, EUC_JP, ISO_2022_JP], b"jp"), (&[EUC_KR], b"kr")];
    let cyrillic = [WINDOWS_1251, KOI8_R, KOI8_U, IBM866, ISO_8859_5];
    if cyrillic.contains(&hint) {
        return Some(b"ru");
    }
    encodings_and_tlds.iter().find(|(encodings, _)| encodings.contains(&hint)).map(|(_, tld)| *tld)
}

/// Whether the bytes may contradict a declaration, so that detection must be consulted:
/// they left malformed sequences, a single-byte Western declaration covers bytes that may be a
/// CJK encoding (old Chinese pages labelled `iso-8859-1` by default), or a legacy declaration
/// covers non-ASCII bytes that are all valid UTF-8 (a page re-saved as UTF-8 that kept its old
/// `<meta charset>`): GBK and Big5 decoders accept most UTF-8 byte pairs, so no malformed
/// sequence gives that away.
fn may_contradict(by_declaration: &Choice, bytes: &[u8]) -> bool {
    if by_declaration.replacements > 0 {
        return true;
    }
    let has_non_ascii = Encoding::ascii_valid_up_to(bytes) < bytes.len();
    has_non_ascii
        && (by_declaration.encoding.is_single_byte()
            || (by_declaration.encoding != UTF_8 && std::str::from_utf8(bytes).is_ok()))
}

/// Whether detection's result overrides a declaration. The declaration is evidence too (the
/// page displayed correctly for someone), so detection must decode every byte, read clearly
/// better, and not trade a multi-byte declaration for a single-byte guess: a Big5 page with a
/// few broken sequences is still Big5, never windows-1252, whose decoder accepts any byte.
/// Valid UTF-8 wins outright when the declared decoding produced characters no text has
/// (U+FFFD, private-use, controls) and UTF-8 none: legacy-encoded text is practically never
/// valid UTF-8, while UTF-8 read as Big5 or GBK lands on common hanzi often enough to outscore
/// the real text on short pages.
fn contradicts(detected: &Choice, declared: &Choice) -> bool {
    if detected.replacements > 0 || same_family(detected.encoding, declared.encoding) {
        return false;
    }
    if detected.encoding.is_single_byte() && !declared.encoding.is_single_byte() && declared.encoding != UTF_8 {
        return false;
    }
    match (mojibake::plausibility(&detected.text), mojibake::plausibility(&declared.text)) {
        (Some(new), Some(old)) if detected.encoding == UTF_8 && new.bad == 0 && old.bad > 0 => true,
        (Some(new), Some(old)) => new.bad <= old.bad && new.mean() >= old.mean() + 0.5,
        _ => false,
    }
}

/// The GB standard a byte sequence needs: GB2312 ⊂ GBK ⊂ GB18030.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum GbLevel {
    Gb2312,
    Gbk,
    Gb18030,
}

impl GbLevel {
    fn name(self) -> &'static str {
        match self {
            GbLevel::Gb2312 => "GB2312",
            GbLevel::Gbk => "GBK",
            GbLevel::Gb18030 => "GB18030 four-byte",
        }
    }

    /// What a label promises: `gb2312` and its aliases GB2312, `gb18030` everything, the rest
    /// of the family (`gbk`, `cp936`, …) GBK.
    fn of_label(label: &str) -> Self {
        let label = label.trim().to_ascii_lowercase();
        if Encoding::for_label(label.as_bytes()) == Some(GB18030) {
            GbLevel::Gb18030
        } else if label.contains("2312") || matches!(label.as_str(), "chinese" | "iso-ir-58" | "csiso58gb231280") {
            GbLevel::Gb2312
        } else {
            GbLevel::Gbk
        }
    }

    /// What well-formed GB18030 bytes use. GB2312 proper is rows 0xA1–0xA9 (symbols) and
    /// 0xB0–0xF7 (hanzi) with trail bytes 0xA1–0xFE; a second byte 0x30–0x39 starts a four-byte
    /// sequence.
    fn of_bytes(bytes: &[u8]) -> Self {
        let mut level = GbLevel::Gb2312;
        let mut i = 0;
        while i < bytes.len() {
            let lead = bytes[i];
            if lead < 0x80 {
                i += 1;
                continue;
            }
            let Some(&trail) = bytes.get(i + 1).filter(|_| (0x81..=0xFE).contains(&lead)) else {
                level = GbLevel::Gbk;
                i += 1;
                continue;
            };
            if (0x30..=0x39).contains(&trail) {
                return GbLevel::Gb18030;
            }
            let gb2312 = matches!(lead, 0xA1..=0xA9 | 0xB0..=0xF7) && (0xA1..=0xFE).contains(&trail);
            if !gb2312 {
                level = GbLevel::Gbk;
            }
            i += 2;
        }
        level
    }
}

fn note(kind: &str, count: Option<u64>, message: String) -> Note {
    Note { stage: STAGE.to_owned(), kind: kind.to_owned(), message, count }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb_levels() {
        let gbk = |s: &str| GBK.encode(s).0.into_owned();
        assert_eq!(GbLevel::of_bytes(&gbk("京津冀, 2024")), GbLevel::Gb2312);
        assert_eq!(GbLevel::of_bytes(&gbk("朱镕基")), GbLevel::Gbk);
        assert_eq!(GbLevel::of_bytes(&GB18030.encode("刘䶮 •").0), GbLevel::Gb18030);
        assert_eq!(GbLevel::of_label("GB2312"), GbLevel::Gb2312);
        assert_eq!(GbLevel::of_label("x-gbk"), GbLevel::Gbk);
        assert_eq!(GbLevel::of_label("gb18030"), GbLevel::Gb18030);
    }

    #[test]
    fn counts_decoder_replacements_not_input_ones() {
        let mut bytes = "京\u{FFFD}".as_bytes().to_vec();
        bytes.push(0xFF);
        assert_eq!(decode_counting(UTF_8, &bytes), ("京\u{FFFD}\u{FFFD}".to_owned(), 1));
        assert_eq!(decode_counting(GB18030, b"\x81\x30ab\xFF"), ("\u{FFFD}0ab\u{FFFD}".to_owned(), 2));
    }

    #[test]
    fn hint_maps_to_the_tld_of_its_script() {
        assert_eq!(hint_tld(GB18030), Some(&b"cn"[..]));
        assert_eq!(hint_tld(BIG5), Some(&b"tw"[..]));
        assert_eq!(hint_tld(UTF_8), None);
    }
}
