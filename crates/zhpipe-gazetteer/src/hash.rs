//! A stable 64-bit hash for the cache keys of compiled gazetteers (the compiled files themselves
//! carry the checksum of `zhpipe_artefact`).
//!
//! `std`'s hashers may change between releases and are seeded, so a key computed today would
//! not find yesterday's file. This one is fixed: four FxHash-style lanes over 32-byte blocks
//! (several GB/s, so hashing the dictionaries costs little at start-up),
//! mixed with the length and finished with the murmur3 finaliser. It detects edits and
//! truncation; it is not a cryptographic hash.

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// An incremental stable hasher.
#[derive(Clone, Debug)]
pub struct StableHasher {
    lanes: [u64; 4],
    pending: Vec<u8>,
    length: u64,
}

impl Default for StableHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl StableHasher {
    /// A hasher in its initial state.
    pub fn new() -> Self {
        Self { lanes: [1, 2, 3, 4], pending: Vec::new(), length: 0 }
    }

    /// Feeds bytes; `write(a); write(b)` equals `write(a ++ b)`.
    pub fn write(&mut self, mut bytes: &[u8]) {
        self.length += bytes.len() as u64;
        if !self.pending.is_empty() {
            let take = (32 - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.pending.len() < 32 {
                return;
            }
            let block: [u8; 32] = self.pending[..].try_into().expect("32 bytes");
            self.block(&block);
            self.pending.clear();
        }
        let mut chunks = bytes.chunks_exact(32);
        for block in &mut chunks {
            self.block(block.try_into().expect("32 bytes"));
        }
        self.pending.extend_from_slice(chunks.remainder());
    }

    /// Feeds a string with its length, so that `("ab", "c")` and `("a", "bc")` differ.
    pub fn write_str(&mut self, s: &str) {
        self.write(&(s.len() as u64).to_le_bytes());
        self.write(s.as_bytes());
    }

    #[inline(always)]
    fn block(&mut self, block: &[u8; 32]) {
        for (lane, word) in self.lanes.iter_mut().zip(block.chunks_exact(8)) {
            let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            *lane = (lane.rotate_left(5) ^ word).wrapping_mul(K);
        }
    }

    /// The hash of everything written.
    pub fn finish(&self) -> u64 {
        let mut h = self.length.wrapping_mul(K);
        for lane in self.lanes {
            h = (h.rotate_left(5) ^ fmix(lane)).wrapping_mul(K);
        }
        for (i, &b) in self.pending.iter().enumerate() {
            h = (h.rotate_left(5) ^ (u64::from(b) << ((i % 8) * 8)) ^ i as u64).wrapping_mul(K);
        }
        fmix(h)
    }
}

fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The hash of one byte string.
pub fn hash(bytes: &[u8]) -> u64 {
    let mut h = StableHasher::new();
    h.write(bytes);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_stable_across_releases() {
        // Fixed values: a change here invalidates every cached gazetteer, so make it on purpose.
        assert_eq!(format!("{:016x}", hash(b"")), "44524ad0fff54cda");
        assert_eq!(format!("{:016x}", hash("京津冀协同发展".as_bytes())), "42bcf3ee8bf9ae40");
        let long: Vec<u8> = (0..100u8).collect();
        assert_eq!(format!("{:016x}", hash(&long)), "ba75b1b0a3a16a68");
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        for split in [0, 1, 31, 32, 33, 500, 999, 1000] {
            let mut h = StableHasher::new();
            h.write(&data[..split]);
            h.write(&data[split..]);
            assert_eq!(h.finish(), hash(&data), "split at {split}");
        }
    }

    #[test]
    fn any_single_byte_change_changes_the_hash() {
        let data: Vec<u8> = (0..200u32).map(|i| i as u8).collect();
        let base = hash(&data);
        for i in 0..data.len() {
            let mut changed = data.clone();
            changed[i] ^= 1;
            assert_ne!(hash(&changed), base, "byte {i}");
        }
        assert_ne!(hash(&data[..199]), base);
    }
}
