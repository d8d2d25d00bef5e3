//! The trained tagger: sparse weights per feature key, transition weights between tags, and
//! the best tag sequence of a sentence by Viterbi search.
//!
//! File layout: a zhpipe artefact (see `zhpipe_artefact`): the magic `ZHPNERMD`, a `u32` format
//! version ([`MODEL_FORMAT`]), the payload length and its CRC-32, then [`ModelData`] in
//! postcard. Weights are 16-bit integers under one scale (a tag sequence's score only needs to
//! compare with another's), stored per key and block as `(tag, weight)` pairs for the tags whose
//! weight is not zero.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use zhpipe_artefact::{ArtefactError, ArtefactKind};

use crate::features::{MAX_BLOCKS, Sentence};
use crate::tags::{BOUNDARY, Entity, TAGS, allowed, decode};

/// The first eight bytes of every model file.
pub const MODEL_MAGIC: &[u8; 8] = b"ZHPNERMD";

/// The model file format this build reads and writes; bump it when [`ModelData`] or the
/// features change.
pub const MODEL_FORMAT: u32 = 1;

const ARTEFACT: ArtefactKind = ArtefactKind {
    name: "zhpipe ner model",
    magic: *MODEL_MAGIC,
    version: MODEL_FORMAT,
    rebuild: "with `cargo xtask train ner CORPUS`",
};

/// States of the transition table: the tags and the sentence boundary.
pub(crate) const STATES: usize = TAGS + 1;

/// Why a model file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// It cannot be read.
    #[error("{path}: cannot read ner model: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// It is not a whole model file of this format version.
    #[error("{path}: {source}")]
    Artefact {
        /// The file.
        path: String,
        /// Why.
        source: ArtefactError,
    },
    /// Its checked contents do not make a model.
    #[error("{path}: corrupt ner model: {message}")]
    Contents {
        /// The file.
        path: String,
        /// What does not fit.
        message: String,
    },
}

/// A model as stored: every array flat, so that postcard writes it compactly.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelData {
    /// What the model was trained on and how (`cargo xtask eval ner` prints it).
    pub about: String,
    /// The feature keys, one per row.
    pub keys: Vec<u64>,
    /// The number of blocks of each row.
    pub blocks: Vec<u8>,
    /// The number of `(tag, weight)` entries of each block of each row, in row order.
    pub block_entries: Vec<u16>,
    /// The tag of each entry.
    pub tags: Vec<u8>,
    /// The weight of each entry.
    pub weights: Vec<i16>,
    /// Transition weights, `STATES × STATES`, from the row's state to the column's.
    pub transitions: Vec<i16>,
}

/// A hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// Where each key's first block is in [`Model::rows`]: open addressing with linear probing, the
/// slot found by the key's low bits holding its high 32 bits and its row, 8 bytes, so that the
/// index of a model trained on a million words stays in a core's L2 cache.
///
/// Two keys of the model that would share a slot chain and their high 32 bits are refused at
/// load (a retrain with another seed separates them); a key absent from the model that matches
/// a present one in both is scored as that one, about once in 10⁹ lookups.
#[derive(Clone, Debug)]
struct RowIndex {
    slots: Vec<(u32, u32)>,
    mask: usize,
}

const EMPTY: u32 = u32::MAX;

impl RowIndex {
    fn with_capacity(keys: usize) -> Self {
        // At most half full: probes stay short.
        let size = (keys * 2).next_power_of_two().max(16);
        Self { slots: vec![(0, EMPTY); size], mask: size - 1 }
    }

    /// Inserts `key`; `false` when a key with the same slot chain and high bits is there.
    fn insert(&mut self, key: u64, row: u32) -> bool {
        let (mut i, check) = (key as usize & self.mask, (key >> 32) as u32);
        loop {
            match self.slots[i] {
                (_, EMPTY) => {
                    self.slots[i] = (check, row);
                    return true;
                }
                (c, _) if c == check => return false,
                _ => i = (i + 1) & self.mask,
            }
        }
    }

    #[inline]
    fn get(&self, key: u64) -> Option<u32> {
        let (mut i, check) = (key as usize & self.mask, (key >> 32) as u32);
        loop {
            let (c, row) = self.slots[i];
            if row == EMPTY {
                return None;
            }
            if c == check {
                return Some(row);
            }
            i = (i + 1) & self.mask;
        }
    }
}

// A block holds every tag's weight in sixteen lanes.
const _: () = assert!(TAGS <= 16);

/// A loaded model, ready to tag.
#[derive(Clone, Debug)]
pub struct Model {
    index: RowIndex,
    /// Every block of every row, one after another: a weight for each tag, dense, in sixteen
    /// lanes (the last three zero). Adding a block to a position's scores is then two vector
    /// additions, where the sparse `(tag, weight)` entries of the file cost a load, a shift and
    /// a bounds check each: measured, dense blocks are half again as fast, though three times
    /// the memory.
    rows: Vec<[i16; 16]>,
    transitions: [[i32; STATES]; STATES],
    data: ModelData,
}

impl Model {
    /// A model from its stored form, checked.
    pub fn from_data(data: ModelData) -> Result<Self, String> {
        if data.blocks.len() != data.keys.len() {
            return Err(format!("{} keys but {} block counts", data.keys.len(), data.blocks.len()));
        }
        let total_blocks: usize = data.blocks.iter().map(|&b| usize::from(b)).sum();
        if data.block_entries.len() != total_blocks {
            return Err(format!("{total_blocks} blocks but {} entry counts", data.block_entries.len()));
        }
        let total_entries: usize = data.block_entries.iter().map(|&n| usize::from(n)).sum();
        if data.tags.len() != total_entries || data.weights.len() != total_entries {
            return Err(format!(
                "{total_entries} entries but {} tags and {} weights",
                data.tags.len(),
                data.weights.len()
            ));
        }
        if let Some(t) = data.tags.iter().find(|&&t| usize::from(t) >= TAGS) {
            return Err(format!("tag {t} out of range"));
        }
        if data.blocks.iter().any(|&b| b == 0 || usize::from(b) > MAX_BLOCKS) {
            return Err("a row with no blocks or too many".to_owned());
        }
        if data.transitions.len() != STATES * STATES {
            return Err(format!("{} transition weights, {} expected", data.transitions.len(), STATES * STATES));
        }
        if data.block_entries.iter().any(|&n| usize::from(n) > TAGS) {
            return Err("a block with more entries than tags".to_owned());
        }
        let mut index = RowIndex::with_capacity(data.keys.len());
        let mut rows: Vec<[i16; 16]> = Vec::with_capacity(total_blocks);
        let mut counts = data.block_entries.iter();
        let mut entries = data.tags.iter().zip(&data.weights);
        for (&key, &blocks) in data.keys.iter().zip(&data.blocks) {
            if !index.insert(key, rows.len() as u32) {
                return Err(format!("key {key:#x} twice, or sharing its slot and high bits with another"));
            }
            for _ in 0..usize::from(blocks) {
                let mut lanes = [0i16; 16];
                for _ in 0..*counts.next().expect("counted above") {
                    let (&tag, &weight) = entries.next().expect("counted above");
                    lanes[usize::from(tag)] = weight;
                }
                rows.push(lanes);
            }
        }
        let mut transitions = [[0i32; STATES]; STATES];
        for (i, &w) in data.transitions.iter().enumerate() {
            transitions[i / STATES][i % STATES] = i32::from(w);
        }
        Ok(Self { index, rows, transitions, data })
    }

    /// Reads a model file (or the one built into the binary under that path).
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let name = path.display().to_string();
        let bytes =
            zhpipe_artefact::bundle::read(path).map_err(|source| ModelError::Read { path: name.clone(), source })?;
        Self::from_bytes(&bytes, &name)
    }

    /// A model from the bytes of a model file; `name` is used in errors.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Self, ModelError> {
        let payload = zhpipe_artefact::decode(bytes, &ARTEFACT)
            .map_err(|source| ModelError::Artefact { path: name.to_owned(), source })?;
        let contents = |message: String| ModelError::Contents { path: name.to_owned(), message };
        let data: ModelData = postcard::from_bytes(payload).map_err(|e| contents(e.to_string()))?;
        Self::from_data(data).map_err(contents)
    }

    /// The bytes of a model file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = postcard::to_stdvec(&self.data).expect("a model serialises");
        zhpipe_artefact::encode(&ARTEFACT, &payload)
    }

    /// The stored form.
    pub fn data(&self) -> &ModelData {
        &self.data
    }

    /// What the model was trained on.
    pub fn about(&self) -> &str {
        &self.data.about
    }

    /// Number of feature keys.
    pub fn features(&self) -> usize {
        self.data.keys.len()
    }

    /// The score of every tag at every position.
    ///
    /// In three passes over the sentence's features (their keys, then their rows, then the
    /// weights), so that the lookups of different features, which miss the cache when the model
    /// is larger than it, are independent loads the processor overlaps.
    pub(crate) fn emissions(&self, sentence: &Sentence) -> Vec<[i32; TAGS]> {
        let mut features: Vec<(u64, u8, u32, u8)> = Vec::with_capacity(sentence.len() * 8);
        let mut targets: Vec<(usize, u8)> = Vec::with_capacity(sentence.len() * 24);
        sentence.for_each_feature(|key, blocks, at| {
            features.push((key, blocks as u8, targets.len() as u32, at.len() as u8));
            targets.extend_from_slice(at);
        });
        let rows: Vec<u32> = features.iter().map(|f| self.index.get(f.0).unwrap_or(EMPTY)).collect();
        // Sixteen lanes per position, as in a block: the additions are whole vectors.
        let mut scores = vec![[0i32; 16]; sentence.len()];
        for (&(_, _, first, count), &row) in features.iter().zip(&rows) {
            if row == EMPTY {
                continue;
            }
            for &(p, block) in &targets[first as usize..first as usize + usize::from(count)] {
                let lanes = &self.rows[row as usize + usize::from(block)];
                for (s, &w) in scores[p].iter_mut().zip(lanes) {
                    *s += i32::from(w);
                }
            }
        }
        scores.into_iter().map(|s| std::array::from_fn(|t| s[t])).collect()
    }

    /// The names in `sentence`.
    pub fn tag(&self, sentence: &Sentence) -> Vec<Entity> {
        if sentence.is_empty() {
            return Vec::new();
        }
        decode(&viterbi(&self.emissions(sentence), &self.transitions))
    }
}

/// The highest-scoring tag sequence under `emissions` and `transitions`, among the sequences
/// [`allowed`] permits.
pub(crate) fn viterbi<W>(emissions: &[[W; TAGS]], transitions: &[[W; STATES]; STATES]) -> Vec<u8>
where
    W: Copy + Into<f64>,
{
    let n = emissions.len();
    if n == 0 {
        return Vec::new();
    }
    static EDGES: OnceLock<Vec<(usize, usize)>> = OnceLock::new();
    let edges = EDGES.get_or_init(|| {
        (0..TAGS).flat_map(|a| (0..TAGS).map(move |b| (a, b))).filter(|&(a, b)| allowed(a, b)).collect()
    });
    let mut score = [f64::NEG_INFINITY; TAGS];
    for (t, s) in score.iter_mut().enumerate() {
        if allowed(BOUNDARY, t) {
            *s = transitions[BOUNDARY][t].into() + emissions[0][t].into();
        }
    }
    let mut back = vec![[0u8; TAGS]; n];
    for i in 1..n {
        let mut next = [f64::NEG_INFINITY; TAGS];
        for &(a, b) in edges {
            let s = score[a] + transitions[a][b].into();
            if s > next[b] {
                next[b] = s;
                back[i][b] = a as u8;
            }
        }
        for (t, s) in next.iter_mut().enumerate() {
            *s += emissions[i][t].into();
        }
        score = next;
    }
    let (mut best, mut best_score) = (0usize, f64::NEG_INFINITY);
    for (t, &s) in score.iter().enumerate() {
        if allowed(t, BOUNDARY) {
            let s = s + transitions[t][BOUNDARY].into();
            if s > best_score {
                best_score = s;
                best = t;
            }
        }
    }
    let mut tags = vec![0u8; n];
    for i in (0..n).rev() {
        tags[i] = best as u8;
        best = usize::from(back[i][best]);
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viterbi_follows_the_transitions() {
        use crate::tags::{EntityType, encode};
        // Emissions prefer B-PER then O, which no transition allows: the best allowed path is
        // a two-character name or none; with E-PER a little likelier than O, the name wins.
        let gold = encode(&[Entity { start: 0, end: 2, ty: EntityType::Person }], 2);
        let mut emissions = [[0i32; TAGS]; 2];
        emissions[0][usize::from(gold[0])] = 10;
        emissions[1][0] = 5;
        emissions[1][usize::from(gold[1])] = 4;
        let transitions = [[0i32; STATES]; STATES];
        let transitions: [[i32; STATES]; STATES] = transitions;
        assert_eq!(viterbi(&emissions.map(|r| r.map(f64::from)), &transitions.map(|r| r.map(f64::from))), gold);
    }

    #[test]
    fn a_corrupt_model_is_refused_with_its_name() {
        let err = Model::from_bytes(b"not a model", "x.model").unwrap_err();
        assert!(err.to_string().starts_with("x.model: "), "{err}");
        let mut data = ModelData { transitions: vec![0; STATES * STATES], ..Default::default() };
        data.keys.push(1);
        data.blocks.push(1);
        data.block_entries.push(1);
        data.tags.push(TAGS as u8);
        data.weights.push(1);
        assert!(Model::from_data(data).unwrap_err().contains("tag 13 out of range"));
    }
}
