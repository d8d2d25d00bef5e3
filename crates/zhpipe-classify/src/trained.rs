//! The trained model: one-vs-rest logistic regression over words, character bigrams and mention
//! kinds, trained from labelled sentences and saved as a versioned binary file.
//!
//! A key design decision: the decision threshold is chosen by cross-validation on the training
//! data itself (leave one document out), not fixed at 0.5. With a few hundred sentences and a
//! dozen labels every label is rare, so the probabilities the model learns are low and 0.5 would
//! miss most labels; the threshold that maximises macro-F1 on held-out documents is stored in
//! the model file with the weights.
//!
//! File layout: a zhpipe artefact (see `zhpipe_artefact`): the magic `ZHPCLSFY`, a `u32` format
//! version ([`MODEL_FORMAT`]), a `u64` payload length and a `u32` CRC-32 of the payload, all
//! little-endian, then the payload: [`ModelData`] in postcard. A file of another kind or version,
//! a truncated or a corrupted file is refused with a message naming the file.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use zhpipe_artefact::{ArtefactError, ArtefactKind};
use zhpipe_core::Label;

use crate::features::{FeatureSet, weighted};
use crate::lexicon::{round, sort_labels};
use crate::{LexiconModel, OTHER, SentenceView, Taxonomy};

/// The first eight bytes of every model file.
pub const MODEL_MAGIC: &[u8; 8] = b"ZHPCLSFY";

/// The model file format this build reads and writes. Bump it whenever [`ModelData`] changes
/// (version 2: the artefact header with a CRC-32).
pub const MODEL_FORMAT: u32 = 2;

const ARTEFACT: ArtefactKind = ArtefactKind {
    name: "zhpipe classify model",
    magic: *MODEL_MAGIC,
    version: MODEL_FORMAT,
    rebuild: "with `cargo xtask train classify`",
};

/// Why a model file was refused.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ModelError {
    path: String,
    reason: ModelProblem,
}

/// What is wrong with a model file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelProblem {
    /// It cannot be read.
    #[error("cannot read model file: {0}")]
    Read(#[source] std::io::Error),
    /// It is not a whole model file of this format version.
    #[error(transparent)]
    Artefact(#[from] ArtefactError),
    /// Its checked contents do not make a model.
    #[error("corrupt: {0}")]
    Contents(String),
}

impl ModelError {
    fn new(path: &str, reason: impl Into<ModelProblem>) -> Self {
        Self { path: path.to_owned(), reason: reason.into() }
    }

    fn contents(path: &str, message: impl Into<String>) -> Self {
        Self::new(path, ModelProblem::Contents(message.into()))
    }

    /// What is wrong with the file.
    pub fn problem(&self) -> &ModelProblem {
        &self.reason
    }
}

/// A labelled sentence for training: its features' source and its labels.
#[derive(Clone, Debug)]
pub struct Example<'a> {
    /// The sentence.
    pub view: SentenceView<'a>,
    /// Its label ids (`other` alone, or themes).
    pub labels: Vec<String>,
    /// The document it comes from, for cross-validation by document.
    pub group: String,
}

/// Training settings.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// Feature families.
    pub features: FeatureSet,
    /// Passes of stochastic gradient descent over the data.
    pub epochs: usize,
    /// L2 penalty per example.
    pub l2: f32,
    /// Initial AdaGrad learning rate.
    pub learning_rate: f32,
    /// Decision threshold candidates tried by cross-validation; empty keeps 0.5.
    pub thresholds: Vec<f32>,
    /// Seed of the example order shuffle: training is deterministic.
    pub seed: u64,
    /// Initial weight of each label's own lexicon feature (its bias starts at minus half of it).
    pub lexicon_prior: f32,
    /// The taxonomy whose lexicon scores become features (with `features.lexicon`); it is
    /// embedded in the model file.
    pub lexicon: Option<Taxonomy>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            features: FeatureSet::default(),
            epochs: 40,
            l2: 3e-4,
            learning_rate: 0.5,
            thresholds: (1..=14).map(|i| i as f32 * 0.04).collect(),
            seed: 0x5eed_c1a5_51f1,
            lexicon_prior: 32.0,
            lexicon: None,
        }
    }
}

/// What is stored in a model file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelData {
    /// Theme ids, in weight order; `other` is implicit (no theme above the threshold).
    pub labels: Vec<String>,
    /// Feature strings in index order.
    pub features: Vec<String>,
    /// Feature-major weights: `weights[f * labels.len() + l]`.
    pub weights: Vec<f32>,
    /// One bias per label.
    pub bias: Vec<f32>,
    /// A label is chosen when its probability reaches this.
    pub threshold: f32,
    /// Feature families used.
    pub feature_set: FeatureSet,
    /// How many sentences and documents it was trained on.
    pub trained_on: (usize, usize),
    /// Macro-F1 of the threshold search (cross-validated on the training data), when run.
    pub cv_macro_f1: Option<f32>,
    /// The themes file (TOML) whose lexicon scores are features, when they are used.
    pub lexicon_themes: Option<String>,
}

/// A trained model, ready to classify.
#[derive(Clone, Debug)]
pub struct TrainedModel {
    data: ModelData,
    index: HashMap<String, u32>,
    lexicon: Option<LexiconModel>,
}

impl TrainedModel {
    /// The lexicon whose scores are features, when the model uses them (the themes embedded in
    /// the model file).
    pub fn lexicon(&self) -> Option<&LexiconModel> {
        self.lexicon.as_ref()
    }

    fn from_data(data: ModelData, lexicon: Option<LexiconModel>) -> Self {
        let index = data.features.iter().enumerate().map(|(i, f)| (f.clone(), i as u32)).collect();
        Self { data, index, lexicon }
    }

    /// What the model holds.
    pub fn data(&self) -> &ModelData {
        &self.data
    }

    /// Trains on `examples`. Labels are the union of the examples' labels (without `other`),
    /// sorted; the threshold is chosen by cross-validation when `options.thresholds` is not
    /// empty and there are enough documents (3) or sentences (20, in 5 folds) to hold some out.
    pub fn train(examples: &[Example<'_>], options: &TrainOptions) -> Self {
        let mut labels: Vec<String> =
            examples.iter().flat_map(|e| e.labels.iter().cloned()).filter(|l| l != OTHER).collect();
        labels.sort();
        labels.dedup();
        let lexicon = options.lexicon.clone().filter(|_| options.features.lexicon).map(LexiconModel::new);
        let featurised: Vec<Vec<(String, f32)>> =
            examples.iter().map(|e| weighted(&e.view, options.features, lexicon.as_ref())).collect();
        let targets: Vec<Vec<bool>> =
            examples.iter().map(|e| labels.iter().map(|l| e.labels.contains(l)).collect()).collect();
        let all: Vec<usize> = (0..examples.len()).collect();
        let mut data = fit(&labels, &featurised, &targets, &all, options);
        data.trained_on = (examples.len(), count_groups(examples));
        data.feature_set.lexicon = lexicon.is_some();
        data.lexicon_themes = lexicon.as_ref().map(|l| l.taxonomy().toml.clone());
        if let Some((threshold, f1)) = tune_threshold(examples, &labels, &featurised, &targets, options) {
            data.threshold = threshold;
            data.cv_macro_f1 = Some(f1);
        }
        Self::from_data(data, lexicon)
    }

    /// Theme probabilities of one sentence, in the order of [`ModelData::labels`].
    pub fn probabilities(&self, view: &SentenceView<'_>) -> Vec<f32> {
        let features = self.feature_indices(view);
        probabilities(&self.data, &features)
    }

    /// The sentence's known features with their values: the same as [`weighted`] followed by a
    /// vocabulary lookup, but building each feature in one reused buffer instead of allocating
    /// it (the text features' unit length still counts the features the model never saw).
    fn feature_indices(&self, view: &SentenceView<'_>) -> Vec<(u32, f32)> {
        let set = self.data.feature_set;
        let mut seen: Vec<u64> = Vec::with_capacity(view.text.len() / 2);
        let mut known: Vec<u32> = Vec::with_capacity(view.text.len() / 2);
        crate::features::for_each_text_feature(view, set, |feature| {
            seen.push(fnv1a(feature.as_bytes()));
            if let Some(&i) = self.index.get(feature) {
                known.push(i);
            }
        });
        seen.sort_unstable();
        seen.dedup();
        known.sort_unstable();
        known.dedup();
        let value = if seen.is_empty() { 0.0 } else { 1.0 / (seen.len() as f32).sqrt() };
        let mut out: Vec<(u32, f32)> = known.into_iter().map(|i| (i, value)).collect();
        if let (true, Some(lexicon)) = (set.lexicon, &self.lexicon) {
            let mut buffer = String::with_capacity(32);
            for (label, score) in lexicon.label_scores(view) {
                buffer.clear();
                buffer.push_str("lex:");
                buffer.push_str(&lexicon.taxonomy().labels[label].id);
                if let Some(&i) = self.index.get(buffer.as_str()) {
                    out.push((i, score));
                }
            }
        }
        out
    }

    /// The labels of one sentence, best first: every theme whose probability reaches the
    /// threshold, or `other` (scored one minus the best probability). With `evidence`, each
    /// label lists the three features that pushed it up most.
    pub fn classify(&self, view: &SentenceView<'_>, evidence: bool) -> Vec<Label> {
        let features = self.feature_indices(view);
        let probs = probabilities(&self.data, &features);
        let n = self.data.labels.len();
        let mut labels: Vec<Label> = Vec::new();
        for (l, &p) in probs.iter().enumerate() {
            if p >= self.data.threshold {
                let evidence = if evidence {
                    let mut contributions: Vec<(f32, u32)> = features
                        .iter()
                        .map(|&(f, x)| (self.data.weights[f as usize * n + l] * x, f))
                        .filter(|(w, _)| *w > 0.0)
                        .collect();
                    contributions.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                    contributions.iter().take(3).map(|&(_, f)| self.data.features[f as usize].clone()).collect()
                } else {
                    Vec::new()
                };
                labels.push(Label { label: self.data.labels[l].clone(), score: round(p), evidence });
            }
        }
        if labels.is_empty() {
            let best = probs.iter().copied().fold(0f32, f32::max);
            return vec![Label { label: OTHER.to_owned(), score: round(1.0 - best), evidence: Vec::new() }];
        }
        sort_labels(&mut labels);
        labels
    }

    /// The model as the bytes of a model file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = postcard::to_stdvec(&self.data).expect("model data serialises");
        zhpipe_artefact::encode(&ARTEFACT, &payload)
    }

    /// Reads a model from the bytes of a model file; `source` names it in errors.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Self, ModelError> {
        let payload = zhpipe_artefact::decode(bytes, &ARTEFACT).map_err(|e| ModelError::new(source, e))?;
        let data: ModelData = postcard::from_bytes(payload)
            .map_err(|e| ModelError::contents(source, format!("cannot decode the model: {e}")))?;
        let n = data.labels.len();
        if data.bias.len() != n || data.weights.len() != data.features.len() * n {
            return Err(ModelError::contents(source, "weight table does not match the labels and features"));
        }
        let lexicon = match &data.lexicon_themes {
            Some(toml) => Some(LexiconModel::new(
                Taxonomy::parse(toml, &format!("{source} (embedded themes)"))
                    .map_err(|e| ModelError::contents(source, format!("embedded themes: {e}")))?,
            )),
            None => None,
        };
        Ok(Self::from_data(data, lexicon))
    }

    /// Writes the model file, whole or not at all ([`zhpipe_artefact::write_atomically`]).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        zhpipe_artefact::write_atomically(path, &self.to_bytes())
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let source = path.display().to_string();
        let bytes = zhpipe_artefact::bundle::read(path).map_err(|e| ModelError::new(&source, ModelProblem::Read(e)))?;
        Self::from_bytes(&bytes, &source)
    }
}

/// 64-bit FNV-1a, to count a sentence's distinct features without building them.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn probabilities(data: &ModelData, features: &[(u32, f32)]) -> Vec<f32> {
    let n = data.labels.len();
    let mut z = data.bias.clone();
    for &(f, x) in features {
        let row = &data.weights[f as usize * n..(f as usize + 1) * n];
        for (zl, w) in z.iter_mut().zip(row) {
            *zl += w * x;
        }
    }
    z.into_iter().map(sigmoid).collect()
}

fn count_groups(examples: &[Example<'_>]) -> usize {
    let mut groups: Vec<&str> = examples.iter().map(|e| e.group.as_str()).collect();
    groups.sort_unstable();
    groups.dedup();
    groups.len()
}

/// Fits weights on the examples in `subset` (indices into `featurised`/`targets`).
fn fit(
    labels: &[String],
    featurised: &[Vec<(String, f32)>],
    targets: &[Vec<bool>],
    subset: &[usize],
    options: &TrainOptions,
) -> ModelData {
    let mut vocabulary: Vec<String> =
        subset.iter().flat_map(|&i| featurised[i].iter().map(|(f, _)| f.clone())).collect();
    vocabulary.sort_unstable();
    vocabulary.dedup();
    let index: HashMap<&str, u32> = vocabulary.iter().enumerate().map(|(i, f)| (f.as_str(), i as u32)).collect();
    let rows: Vec<Vec<(u32, f32)>> =
        subset.iter().map(|&i| featurised[i].iter().map(|(f, x)| (index[f.as_str()], *x)).collect()).collect();
    let n = labels.len();
    let mut weights = vec![0f32; vocabulary.len() * n];
    let mut bias = vec![0f32; n];
    // Start from the lexicon's own decision: a label's lexicon score of 0.5 (its threshold) is
    // even odds. Training then only has to learn the corrections, which a few hundred
    // sentences can support; starting from zero it would have to rediscover the lexicon.
    for (l, label) in labels.iter().enumerate() {
        if let Ok(f) = vocabulary.binary_search(&format!("lex:{label}")) {
            weights[f * n + l] = options.lexicon_prior;
            bias[l] = -options.lexicon_prior / 2.0;
        }
    }
    // AdaGrad: frequent features (common bigrams) slow down, rare informative ones keep learning.
    let mut g2_w = vec![1e-8f32; weights.len()];
    let mut g2_b = vec![1e-8f32; n];
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut rng = options.seed | 1;
    let lr = options.learning_rate;
    for _ in 0..options.epochs {
        // Fisher–Yates with xorshift: a fixed seed gives the same model on every machine.
        for i in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        for &r in &order {
            let features = &rows[r];
            let target = &targets[subset[r]];
            let mut z = bias.clone();
            for &(f, x) in features {
                for l in 0..n {
                    z[l] += weights[f as usize * n + l] * x;
                }
            }
            for l in 0..n {
                let gradient = sigmoid(z[l]) - if target[l] { 1.0 } else { 0.0 };
                g2_b[l] += gradient * gradient;
                bias[l] -= lr * gradient / g2_b[l].sqrt();
                for &(f, x) in features {
                    let k = f as usize * n + l;
                    let g = gradient * x + options.l2 * weights[k];
                    g2_w[k] += g * g;
                    weights[k] -= lr * g / g2_w[k].sqrt();
                }
            }
        }
    }
    ModelData {
        labels: labels.to_vec(),
        features: vocabulary,
        weights,
        bias,
        threshold: 0.5,
        feature_set: options.features,
        trained_on: (subset.len(), 0),
        cv_macro_f1: None,
        lexicon_themes: None,
    }
}

/// Most folds the threshold search fits: more documents than this are dealt into this many folds.
const MAX_FOLDS: usize = 10;

/// Held-out probabilities for every example (leave one document out, at most [`MAX_FOLDS`]
/// folds of documents, or 5 folds by position when there are fewer than 3 documents but at
/// least 20 sentences), then the threshold with the best macro-F1 over the themes and `other`.
fn tune_threshold(
    examples: &[Example<'_>],
    labels: &[String],
    featurised: &[Vec<(String, f32)>],
    targets: &[Vec<bool>],
    options: &TrainOptions,
) -> Option<(f32, f32)> {
    if options.thresholds.is_empty() || labels.is_empty() {
        return None;
    }
    let folds: Vec<usize> = if count_groups(examples) >= 3 {
        let mut groups: Vec<&str> = examples.iter().map(|e| e.group.as_str()).collect();
        groups.sort_unstable();
        groups.dedup();
        // Hundreds of documents (a news archive, one file a day) would mean hundreds of fits:
        // beyond MAX_FOLDS they are dealt round-robin into that many folds.
        let fold_count = groups.len().min(MAX_FOLDS);
        examples.iter().map(|e| groups.binary_search(&e.group.as_str()).expect("listed") % fold_count).collect()
    } else if examples.len() >= 20 {
        (0..examples.len()).map(|i| i % 5).collect()
    } else {
        return None;
    };
    let fold_count = folds.iter().max().map_or(0, |m| m + 1);
    let mut held_out: Vec<Vec<f32>> = vec![Vec::new(); examples.len()];
    for fold in 0..fold_count {
        let train: Vec<usize> = (0..examples.len()).filter(|&i| folds[i] != fold).collect();
        let data = fit(labels, featurised, targets, &train, options);
        let model = TrainedModel::from_data(data, None);
        for i in (0..examples.len()).filter(|&i| folds[i] == fold) {
            let features: Vec<(u32, f32)> =
                featurised[i].iter().filter_map(|(f, x)| model.index.get(f).map(|&j| (j, *x))).collect();
            held_out[i] = probabilities(&model.data, &features);
        }
    }
    let mut best: Option<(f32, f32)> = None;
    for &threshold in &options.thresholds {
        let f1 = macro_f1(&held_out, targets, threshold);
        if best.is_none_or(|(_, b)| f1 > b + 1e-6) {
            best = Some((threshold, f1));
        }
    }
    best
}

/// Macro-F1 over the themes and `other` of thresholded probabilities.
fn macro_f1(probs: &[Vec<f32>], targets: &[Vec<bool>], threshold: f32) -> f32 {
    let n = targets.first().map_or(0, Vec::len);
    let mut counts = vec![(0u32, 0u32, 0u32); n + 1];
    for (p, t) in probs.iter().zip(targets) {
        let predicted: Vec<bool> = p.iter().map(|&x| x >= threshold).collect();
        let pred_other = !predicted.iter().any(|&b| b);
        let gold_other = !t.iter().any(|&b| b);
        for (l, (&pr, &go)) in predicted.iter().chain([&pred_other]).zip(t.iter().chain([&gold_other])).enumerate() {
            match (pr, go) {
                (true, true) => counts[l].0 += 1,
                (true, false) => counts[l].1 += 1,
                (false, true) => counts[l].2 += 1,
                _ => {}
            }
        }
    }
    let f1s: Vec<f32> = counts
        .iter()
        .filter(|(tp, fp, fn_)| tp + fp + fn_ > 0)
        .map(|&(tp, fp, fn_)| 2.0 * tp as f32 / (2 * tp + fp + fn_) as f32)
        .collect();
    if f1s.is_empty() { 0.0 } else { f1s.iter().sum::<f32>() / f1s.len() as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(text: &'static str, labels: &[&str], group: &str) -> Example<'static> {
        Example {
            view: SentenceView::text(text),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            group: group.to_owned(),
        }
    }

    /// A tiny synthetic set: transport sentences talk of rails and ports, ecology ones of air
    /// and water, and one sentence has both.
    fn tiny() -> Vec<Example<'static>> {
        vec![
            example("高铁线路开通运行", &["transport"], "a"),
            example("港口航线加密", &["transport"], "a"),
            example("城际铁路建成通车", &["transport"], "b"),
            example("机场高铁联通", &["transport"], "b"),
            example("空气质量改善", &["ecology"], "a"),
            example("水质达到三类", &["ecology"], "b"),
            example("大气污染联防联控", &["ecology"], "a"),
            example("湿地生态修复", &["ecology"], "b"),
            example("高铁沿线生态修复", &["transport", "ecology"], "a"),
            example("会议在京举行", &["other"], "b"),
            example("同志们表示赞同", &["other"], "a"),
        ]
    }

    fn ids(labels: &[Label]) -> Vec<&str> {
        let mut ids: Vec<&str> = labels.iter().map(|l| l.label.as_str()).collect();
        ids.sort();
        ids
    }

    #[test]
    fn learns_a_tiny_synthetic_set() {
        let examples = tiny();
        let model = TrainedModel::train(&examples, &TrainOptions { thresholds: vec![], ..TrainOptions::default() });
        assert_eq!(model.data().labels, ["ecology", "transport"]);
        for e in &examples {
            let predicted = model.classify(&e.view, false);
            let mut gold: Vec<&str> = e.labels.iter().map(String::as_str).collect();
            gold.sort();
            assert_eq!(ids(&predicted), gold, "{}", e.view.text);
        }
        // Unseen sentences built from the learnt vocabulary.
        assert_eq!(ids(&model.classify(&SentenceView::text("新建铁路"), false)), ["transport"]);
        assert_eq!(ids(&model.classify(&SentenceView::text("污染治理"), false)), ["ecology"]);
        assert_eq!(ids(&model.classify(&SentenceView::text("你好"), false)), ["other"]);
    }

    #[test]
    fn training_is_deterministic_and_round_trips_through_bytes() {
        let examples = tiny();
        let a = TrainedModel::train(&examples, &TrainOptions::default());
        let b = TrainedModel::train(&examples, &TrainOptions::default());
        assert_eq!(a.to_bytes(), b.to_bytes());
        let back = TrainedModel::from_bytes(&a.to_bytes(), "m").unwrap();
        assert_eq!(back.data(), a.data());
        assert!(a.data().cv_macro_f1.is_none(), "11 sentences in 2 documents are too few to tune on");
    }

    #[test]
    fn fast_feature_lookup_matches_the_reference_extraction() {
        let taxonomy = crate::Taxonomy::bundled();
        let options = TrainOptions { lexicon: Some(taxonomy.clone()), ..TrainOptions::default() };
        let model = TrainedModel::train(&tiny(), &options);
        let lexicon = LexiconModel::new(taxonomy);
        let mut view = SentenceView::text("高铁沿线生态修复，PM2.5下降。高铁");
        view.words = vec!["高铁", "沿线", "生态", "修复", "，", "PM2.5", "下降", "。", "高铁"];
        view.kinds = vec!["person", "place", "person"];
        for view in [view, SentenceView::text(""), SentenceView::text("你好")] {
            let mut reference: Vec<(u32, f32)> = weighted(&view, model.data.feature_set, Some(&lexicon))
                .into_iter()
                .filter_map(|(f, x)| model.index.get(&f).map(|&i| (i, x)))
                .collect();
            let mut fast = model.feature_indices(&view);
            reference.sort_by_key(|(i, _)| *i);
            fast.sort_by_key(|(i, _)| *i);
            assert_eq!(fast, reference, "{}", view.text);
        }
    }

    #[test]
    fn evidence_lists_the_strongest_features() {
        let model = TrainedModel::train(&tiny(), &TrainOptions { thresholds: vec![], ..TrainOptions::default() });
        let labels = model.classify(&SentenceView::text("高铁开通"), true);
        assert_eq!(labels[0].label, "transport");
        assert!(labels[0].evidence.iter().any(|f| f == "b:高铁"), "{:?}", labels[0].evidence);
    }

    fn bytes() -> Vec<u8> {
        TrainedModel::train(&tiny(), &TrainOptions { thresholds: vec![], ..TrainOptions::default() }).to_bytes()
    }

    #[test]
    fn refuses_a_model_of_another_version() {
        let mut bytes = bytes();
        bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
        let err = TrainedModel::from_bytes(&bytes, "dictionaries/themes.model").unwrap_err();
        assert_eq!(
            err.to_string(),
            "dictionaries/themes.model: zhpipe classify model format version 1, but this build reads version 2; rebuild it with `cargo xtask train classify`"
        );
        assert!(matches!(err.problem(), ModelProblem::Artefact(ArtefactError::OtherVersion { found: 1, .. })));
    }

    #[test]
    fn refuses_truncated_corrupt_and_foreign_files() {
        let bytes = bytes();
        let err = TrainedModel::from_bytes(&bytes[..bytes.len() - 7], "m.model").unwrap_err().to_string();
        let n = bytes.len();
        assert_eq!(
            err,
            format!("m.model: truncated zhpipe classify model: the file holds {} bytes, {n} expected", n - 7)
        );
        let err = TrainedModel::from_bytes(&bytes[..20], "m.model").unwrap_err().to_string();
        assert_eq!(err, "m.model: truncated zhpipe classify model: the file holds 20 bytes, 24 expected");
        let mut padded = bytes.clone();
        padded.push(0);
        let err = TrainedModel::from_bytes(&padded, "m.model").unwrap_err().to_string();
        assert!(err.starts_with("m.model: zhpipe classify model with 1 bytes after its end"), "{err}");
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x55;
        let err = TrainedModel::from_bytes(&flipped, "m.model").unwrap_err().to_string();
        assert!(
            err.starts_with("m.model: corrupt zhpipe classify model: the checksum of its contents does not match"),
            "{err}"
        );
        let err = TrainedModel::from_bytes(b"format = 1\n", "themes.toml").unwrap_err().to_string();
        assert_eq!(
            err,
            "themes.toml: not a zhpipe classify model: the file is text starting with `format = 1`, \
             and a zhpipe classify model starts with `ZHPCLSFY`"
        );
        let err = TrainedModel::from_bytes(&[], "empty.model").unwrap_err().to_string();
        assert!(err.starts_with("empty.model: not a zhpipe classify model: the file is empty"), "{err}");
    }

    #[test]
    fn threshold_is_tuned_when_there_are_enough_documents() {
        let mut examples = Vec::new();
        for (i, e) in tiny().into_iter().cycle().take(33).enumerate() {
            examples.push(Example { group: format!("doc{}", i % 3), ..e });
        }
        let model = TrainedModel::train(&examples, &TrainOptions::default());
        let f1 = model.data().cv_macro_f1.expect("tuned");
        assert!(f1 > 0.9, "held-out macro-F1 {f1}");
        assert!(TrainOptions::default().thresholds.contains(&model.data().threshold));
    }
}
