//! `--shard K/N`: which documents belong to this process when N processes split one corpus.
//!
//! A document belongs to shard `fnv1a64(id) % N + 1`, where `fnv1a64` is the 64-bit FNV-1a
//! hash of the id's UTF-8 bytes. The hash is written out here rather than taken from `std`,
//! whose hasher is randomised per process: every machine of a cluster must put an id in the
//! same shard, today and after an upgrade, with no coordination. Any other tool can compute
//! the same assignment from this one formula.

use std::fmt;
use std::str::FromStr;

/// The 64-bit FNV-1a hash (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1..=count.
    pub index: u64,
    /// Number of shards, at least 1.
    pub count: u64,
}

impl Shard {
    /// Whether the document with this id belongs to the shard.
    pub fn contains(&self, id: &str) -> bool {
        fnv1a64(id.as_bytes()) % self.count + 1 == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || format!("invalid shard `{s}`: expected K/N with 1 <= K <= N, e.g. 2/8");
        let (k, n) = s.split_once('/').ok_or_else(usage)?;
        let index: u64 = k.trim().parse().map_err(|_| usage())?;
        let count: u64 = n.trim().parse().map_err(|_| usage())?;
        if count == 0 || index == 0 || index > count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        // From the FNV reference test suite (Landon Curt Noll).
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn every_id_is_in_exactly_one_shard() {
        for count in 1..=7 {
            let shards: Vec<Shard> = (1..=count).map(|index| Shard { index, count }).collect();
            for i in 0..500 {
                let id = format!("corpus/doc-{i}.txt");
                assert_eq!(shards.iter().filter(|s| s.contains(&id)).count(), 1, "{id} in {count} shards");
            }
        }
    }

    #[test]
    fn shards_are_balanced_on_similar_ids() {
        let count = 4;
        let mut sizes = [0u32; 4];
        for i in 0..4000 {
            let id = format!("stdin-{i:06}");
            sizes[(fnv1a64(id.as_bytes()) % count) as usize] += 1;
        }
        assert!(sizes.iter().all(|&n| (800..1200).contains(&n)), "{sizes:?}");
    }

    #[test]
    fn shard_syntax_is_checked() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { index: 2, count: 8 }));
        assert_eq!("1/1".parse::<Shard>().unwrap().to_string(), "1/1");
        for bad in ["0/4", "5/4", "1/0", "4", "a/b", "1/4/2", "-1/4", ""] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert!(err.starts_with(&format!("invalid shard `{bad}`")), "{err}");
        }
    }
}
