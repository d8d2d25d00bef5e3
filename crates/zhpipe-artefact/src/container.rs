//! The container: header, checks and the errors they give.

use std::fmt;

/// Length of the header before the payload: magic, version, length, checksum.
pub const HEADER_LEN: usize = 8 + 4 + 8 + 4;

/// What an artefact is: its magic, the payload format this build reads and writes, and words
/// for the messages about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArtefactKind {
    /// What the artefact is called in messages ("zhpipe classify model").
    pub name: &'static str,
    /// The first eight bytes of every file of this kind, the same in every version.
    pub magic: [u8; 8],
    /// The payload format version; bumped whenever the payload's layout changes.
    pub version: u32,
    /// How to rebuild a file of another version, completing "rebuild it …"
    /// ("with `cargo xtask train classify`").
    pub rebuild: &'static str,
}

/// Why bytes were refused as an artefact of some kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArtefactError {
    /// The bytes do not start with the kind's magic.
    WrongMagic {
        /// The kind expected.
        kind: ArtefactKind,
        /// What the bytes look like instead ("an empty file", "text starting with `…`").
        found: String,
    },
    /// The magic is right but the payload is of another format version.
    OtherVersion {
        /// The kind expected.
        kind: ArtefactKind,
        /// The version in the file.
        found: u32,
    },
    /// The file is shorter than its header, or than the payload its header announces.
    Truncated {
        /// The kind expected.
        kind: ArtefactKind,
        /// The length the file should have (at least the header's, when the header is cut).
        expected: u64,
        /// The length it has.
        actual: u64,
    },
    /// The file is longer than the payload its header announces.
    TrailingBytes {
        /// The kind expected.
        kind: ArtefactKind,
        /// The length the file should have.
        expected: u64,
        /// The length it has.
        actual: u64,
    },
    /// The payload is whole but not what was written: its checksum differs.
    ChecksumMismatch {
        /// The kind expected.
        kind: ArtefactKind,
        /// The checksum in the header.
        expected: u32,
        /// The checksum of the payload read.
        actual: u32,
    },
}

impl ArtefactError {
    /// The kind of artefact that was expected.
    pub fn kind(&self) -> &ArtefactKind {
        match self {
            Self::WrongMagic { kind, .. }
            | Self::OtherVersion { kind, .. }
            | Self::Truncated { kind, .. }
            | Self::TrailingBytes { kind, .. }
            | Self::ChecksumMismatch { kind, .. } => kind,
        }
    }
}

impl fmt::Display for ArtefactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongMagic { kind, found } => write!(
                f,
                "not a {}: the file is {found}, and a {} starts with `{}`",
                kind.name,
                kind.name,
                kind.magic.escape_ascii()
            ),
            Self::OtherVersion { kind, found } => write!(
                f,
                "{} format version {found}, but this build reads version {}; rebuild it {}",
                kind.name, kind.version, kind.rebuild
            ),
            Self::Truncated { kind, expected, actual } => {
                write!(f, "truncated {}: the file holds {actual} bytes, {expected} expected", kind.name)
            }
            Self::TrailingBytes { kind, expected, actual } => write!(
                f,
                "{} with {} bytes after its end: the file holds {actual} bytes, {expected} expected",
                kind.name,
                actual - expected
            ),
            Self::ChecksumMismatch { kind, expected, actual } => write!(
                f,
                "corrupt {}: the checksum of its contents does not match (CRC-32 {actual:08x}, {expected:08x} written)",
                kind.name
            ),
        }
    }
}

impl std::error::Error for ArtefactError {}

/// The artefact of `kind` holding `payload`.
pub fn encode(kind: &ArtefactKind, payload: &[u8]) -> Vec<u8> {
    encode_parts(kind, &[payload])
}

/// The artefact of `kind` whose payload is `parts` back to back, without joining them first.
pub fn encode_parts(kind: &ArtefactKind, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut crc = crc32fast::Hasher::new();
    parts.iter().for_each(|p| crc.update(p));
    let mut out = Vec::with_capacity(HEADER_LEN + len);
    out.extend_from_slice(&kind.magic);
    out.extend_from_slice(&kind.version.to_le_bytes());
    out.extend_from_slice(&(len as u64).to_le_bytes());
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    parts.iter().for_each(|p| out.extend_from_slice(p));
    out
}

/// The payload of `bytes`, once they are checked to be a whole, undamaged artefact of `kind`
/// and version.
pub fn decode<'a>(bytes: &'a [u8], kind: &ArtefactKind) -> Result<&'a [u8], ArtefactError> {
    if bytes.len() < kind.magic.len() || bytes[..8] != kind.magic {
        return Err(ArtefactError::WrongMagic { kind: *kind, found: describe(bytes) });
    }
    if bytes.len() < HEADER_LEN {
        return Err(ArtefactError::Truncated { kind: *kind, expected: HEADER_LEN as u64, actual: bytes.len() as u64 });
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != kind.version {
        return Err(ArtefactError::OtherVersion { kind: *kind, found: version });
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let checksum = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
    let payload = &bytes[HEADER_LEN..];
    let expected = (HEADER_LEN as u64).saturating_add(len);
    let actual = bytes.len() as u64;
    if actual < expected {
        return Err(ArtefactError::Truncated { kind: *kind, expected, actual });
    }
    if actual > expected {
        return Err(ArtefactError::TrailingBytes { kind: *kind, expected, actual });
    }
    let found = crc32fast::hash(payload);
    if found != checksum {
        return Err(ArtefactError::ChecksumMismatch { kind: *kind, expected: checksum, actual: found });
    }
    Ok(payload)
}

/// What a file that is not of the expected kind looks like, for the message refusing it.
fn describe(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "empty".to_owned();
    }
    let head = &bytes[..bytes.len().min(48)];
    // Text, perhaps cut inside a character at the end of `head`.
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    if let Some(text) = text.filter(|t| !t.is_empty() && t.chars().all(|c| !c.is_control() || c.is_whitespace())) {
        let line = text.lines().next().unwrap_or("").trim_end();
        let more = if bytes[line.len()..].iter().all(u8::is_ascii_whitespace) { "" } else { "…" };
        return format!("text starting with `{line}{more}`");
    }
    let magic = &bytes[..bytes.len().min(8)];
    let short = if bytes.len() < 8 { format!(" ({} bytes in all)", bytes.len()) } else { String::new() };
    format!("binary starting with `{}`{short}", magic.escape_ascii())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const KIND: ArtefactKind =
        ArtefactKind { name: "test artefact", magic: *b"ZHPTEST\0", version: 3, rebuild: "with `make test`" };

    #[test]
    fn round_trips_and_lays_out_the_header() {
        let bytes = encode(&KIND, b"payload");
        assert_eq!(bytes.len(), HEADER_LEN + 7);
        assert_eq!(&bytes[..8], b"ZHPTEST\0");
        assert_eq!(bytes[8..12], 3u32.to_le_bytes());
        assert_eq!(bytes[12..20], 7u64.to_le_bytes());
        assert_eq!(bytes[20..24], crc32fast::hash(b"payload").to_le_bytes());
        assert_eq!(decode(&bytes, &KIND), Ok(&b"payload"[..]));
        assert_eq!(decode(&encode(&KIND, b""), &KIND), Ok(&b""[..]));
        assert_eq!(encode_parts(&KIND, &[b"pay", b"", b"load"]), bytes);
    }

    #[test]
    fn a_flipped_payload_byte_is_a_checksum_mismatch() {
        let mut bytes = encode(&KIND, b"payload");
        bytes[HEADER_LEN + 2] ^= 0x01;
        let err = decode(&bytes, &KIND).unwrap_err();
        assert!(matches!(err, ArtefactError::ChecksumMismatch { .. }), "{err:?}");
        assert!(
            err.to_string().starts_with("corrupt test artefact: the checksum of its contents does not match (CRC-32 "),
            "{err}"
        );
    }

    #[test]
    fn a_short_file_is_truncated_and_a_long_one_has_trailing_bytes() {
        let bytes = encode(&KIND, b"payload");
        let err = decode(&bytes[..bytes.len() - 3], &KIND).unwrap_err();
        assert_eq!(err, ArtefactError::Truncated { kind: KIND, expected: 31, actual: 28 });
        assert_eq!(err.to_string(), "truncated test artefact: the file holds 28 bytes, 31 expected");
        let err = decode(&bytes[..20], &KIND).unwrap_err();
        assert_eq!(err.to_string(), "truncated test artefact: the file holds 20 bytes, 24 expected");
        let mut long = bytes.clone();
        long.extend_from_slice(b"xx");
        let err = decode(&long, &KIND).unwrap_err();
        assert_eq!(err, ArtefactError::TrailingBytes { kind: KIND, expected: 31, actual: 33 });
        assert_eq!(err.to_string(), "test artefact with 2 bytes after its end: the file holds 33 bytes, 31 expected");
        // A length that overflows when added to the header is a truncation, not a panic.
        let mut huge = bytes.clone();
        huge[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(decode(&huge, &KIND), Err(ArtefactError::Truncated { .. })));
    }

    #[test]
    fn another_magic_is_refused_saying_what_the_file_looks_like() {
        let other = ArtefactKind { magic: *b"ZHPOTHER", ..KIND };
        let err = decode(&encode(&other, b"payload"), &KIND).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not a test artefact: the file is binary starting with `ZHPOTHER`, and a test artefact starts with `ZHPTEST\\x00`"
        );
        let text = |bytes: &[u8]| match decode(bytes, &KIND).unwrap_err() {
            ArtefactError::WrongMagic { found, .. } => found,
            e => panic!("{e:?}"),
        };
        assert_eq!(text(b""), "empty");
        assert_eq!(text(b"format = 1\n[label]\n"), "text starting with `format = 1…`");
        assert_eq!(text("京津冀协同发展".as_bytes()), "text starting with `京津冀协同发展`");
        assert_eq!(text(&[0x1f, 0x8b, 8, 0]), "binary starting with `\\x1f\\x8b\\x08\\x00` (4 bytes in all)");
        assert_eq!(text(b"ZHPTEST"), "text starting with `ZHPTEST`");
        assert_eq!(text(b"format = 1\n"), "text starting with `format = 1`");
    }

    #[test]
    fn another_version_is_refused_saying_to_rebuild_it() {
        let old = ArtefactKind { version: 2, ..KIND };
        let err = decode(&encode(&old, b"payload"), &KIND).unwrap_err();
        assert_eq!(err, ArtefactError::OtherVersion { kind: KIND, found: 2 });
        assert_eq!(
            err.to_string(),
            "test artefact format version 2, but this build reads version 3; rebuild it with `make test`"
        );
        assert_eq!(err.kind(), &KIND);
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(payload in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let bytes = encode(&KIND, &payload);
            prop_assert_eq!(decode(&bytes, &KIND), Ok(&payload[..]));
        }

        #[test]
        fn any_single_byte_corruption_of_the_payload_is_detected(
            payload in proptest::collection::vec(any::<u8>(), 1..2048),
            at in any::<prop::sample::Index>(),
            flip in 1..=255u8,
        ) {
            let mut bytes = encode(&KIND, &payload);
            let i = HEADER_LEN + at.index(payload.len());
            bytes[i] ^= flip;
            let is_checksum_mismatch = matches!(decode(&bytes, &KIND), Err(ArtefactError::ChecksumMismatch { .. }));
            prop_assert!(is_checksum_mismatch);
        }
    }
}
