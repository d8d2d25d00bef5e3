//! The one container of zhpipe's binary artefacts, and the one way files are written.
//!
//! zhpipe keeps two kinds of binary files between runs: compiled gazetteers (a cache, rebuilt
//! from the dictionaries) and trained classifier models (shipped in `dictionaries/`). Both are
//! read back by a later build, perhaps a different one, perhaps after a crash mid-write, so
//! both are wrapped the same way and checked the same way before a byte of them is trusted.
//!
//! # Format
//!
//! Little-endian, a 24-byte header and the payload:
//!
//! | bytes | field |
//! | --- | --- |
//! | 0..8 | magic: which kind of artefact this is ([`ArtefactKind::magic`]) |
//! | 8..12 | `u32` format version of the payload ([`ArtefactKind::version`]) |
//! | 12..20 | `u64` payload length |
//! | 20..24 | `u32` CRC-32 (IEEE) of the payload |
//! | 24.. | the payload, exactly as long as announced |
//!
//! [`decode`] refuses, in this order, a file of another kind (naming what it looks like), of
//! another version (say to rebuild it), truncated or padded, or whose payload does not match its
//! checksum; only then is the payload handed to the artefact's own parser. The magic does not
//! change between versions, so an old file is recognised as old rather than as foreign.
//!
//! The checksum is CRC-32 from `crc32fast`, already built for jieba-rs, hardware-accelerated,
//! and guaranteed (not merely likely) to catch any corruption confined to 32 consecutive bits,
//! which covers any single damaged byte; it detects damage, it is not a seal against forgery.
//!
//! # Writing
//!
//! [`write_atomically`] writes a whole file under a unique temporary name in the target's
//! directory, syncs it, renames it over the target and syncs the directory: a reader sees the
//! old file or the new one, never half of one, even after a crash. [`persist`] does the last
//! three steps for a temporary file written incrementally by its owner.
//!
//! # Reading
//!
//! [`bundle::read`] reads a file the config names, from disk or, for the files built into the
//! binary, from memory: every stage reads its dictionaries, rules and models through it.

mod atomic;
pub mod bundle;
mod container;

pub use atomic::{persist, write_atomically};

/// Where zhpipe keeps compiled caches: `$XDG_CACHE_HOME/zhpipe`, else the platform's cache
/// directory (`~/.cache/zhpipe` on Linux and other Unix systems, `~/Library/Caches/zhpipe` on
/// macOS, `%LOCALAPPDATA%\zhpipe` on Windows). `None` when the environment names no home, and
/// then nothing is cached. Never beside a config, which may be read-only or built in.
pub fn user_cache_dir() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = var("XDG_CACHE_HOME").filter(|p| p.is_absolute()).or_else(|| {
        if cfg!(windows) {
            var("LOCALAPPDATA")
        } else if cfg!(target_os = "macos") {
            var("HOME").map(|home| home.join("Library/Caches"))
        } else {
            var("HOME").map(|home| home.join(".cache"))
        }
    })?;
    Some(base.join("zhpipe"))
}
pub use container::{ArtefactError, ArtefactKind, HEADER_LEN, decode, encode, encode_parts};
