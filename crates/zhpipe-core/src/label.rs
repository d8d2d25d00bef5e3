//! Theme labels of sentences.

use serde::{Deserialize, Serialize};

/// One theme label with its score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// Label id from the taxonomy, e.g. `transport`.
    pub label: String,
    /// Model score; higher is more confident. Comparable within one model only.
    pub score: f32,
    /// What made the model choose the label (terms that fired), when asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// The labels of one sentence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SentenceLabels {
    /// Index into [`Document::sentences`].
    pub sentence: usize,
    /// Labels, best first.
    pub labels: Vec<Label>,
}
