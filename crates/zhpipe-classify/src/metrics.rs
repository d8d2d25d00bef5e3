//! Precision, recall and F1 per label, micro and macro, for multi-label predictions.
//!
//! `other` is a label like the others here: a model that calls everything `other` scores its
//! recall on `other` and nothing elsewhere. Macro-F1 is the mean over the labels that occur in
//! the gold set or in the predictions; micro-F1 pools every (sentence, label) decision.

use std::fmt::Write;

/// Counts of one label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Predicted and gold.
    pub tp: u32,
    /// Predicted, not gold.
    pub fp: u32,
    /// Gold, not predicted.
    pub fn_: u32,
}

impl Counts {
    /// tp / (tp + fp), 0 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    /// tp / (tp + fn), 0 when nothing was gold.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
    /// Gold count (support).
    pub fn support(&self) -> u32 {
        self.tp + self.fn_
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 { 0.0 } else { f64::from(a) / f64::from(b) }
}

/// Scores of one model over a labelled set.
#[derive(Clone, Debug, PartialEq)]
pub struct Scores {
    /// Label ids in table order.
    pub labels: Vec<String>,
    /// Counts per label, parallel to `labels`.
    pub counts: Vec<Counts>,
}

impl Scores {
    /// Empty counts for `labels`.
    pub fn new(labels: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let labels: Vec<String> = labels.into_iter().map(Into::into).collect();
        let counts = vec![Counts::default(); labels.len()];
        Self { labels, counts }
    }

    /// Adds one sentence: its gold and predicted label ids. Unknown ids are added as labels.
    pub fn add(&mut self, gold: &[&str], predicted: &[&str]) {
        for id in gold.iter().chain(predicted) {
            if !self.labels.iter().any(|l| l == id) {
                self.labels.push((*id).to_owned());
                self.counts.push(Counts::default());
            }
        }
        for (label, counts) in self.labels.iter().zip(&mut self.counts) {
            let (g, p) = (gold.contains(&label.as_str()), predicted.contains(&label.as_str()));
            match (g, p) {
                (true, true) => counts.tp += 1,
                (false, true) => counts.fp += 1,
                (true, false) => counts.fn_ += 1,
                (false, false) => {}
            }
        }
    }

    /// Pooled counts over all labels.
    pub fn micro(&self) -> Counts {
        self.counts.iter().fold(Counts::default(), |a, c| Counts {
            tp: a.tp + c.tp,
            fp: a.fp + c.fp,
            fn_: a.fn_ + c.fn_,
        })
    }

    /// Mean F1 over the labels seen in gold or predictions.
    pub fn macro_f1(&self) -> f64 {
        let seen: Vec<f64> = self.counts.iter().filter(|c| c.tp + c.fp + c.fn_ > 0).map(Counts::f1).collect();
        if seen.is_empty() { 0.0 } else { seen.iter().sum::<f64>() / seen.len() as f64 }
    }
}

/// A side-by-side table of several models' scores (same labels), in Markdown.
pub fn table(models: &[(&str, &Scores)]) -> String {
    let mut out = String::new();
    let _ = write!(out, "| label | support |");
    for (name, _) in models {
        let _ = write!(out, " {name} P | {name} R | {name} F1 |");
    }
    out.push('\n');
    out.push_str("| --- | ---: |");
    for _ in models {
        out.push_str(" ---: | ---: | ---: |");
    }
    out.push('\n');
    let Some((_, first)) = models.first() else { return out };
    for (i, label) in first.labels.iter().enumerate() {
        let _ = write!(out, "| {label} | {} |", first.counts[i].support());
        for (_, scores) in models {
            let c = scores.labels.iter().position(|l| l == label).map(|j| scores.counts[j]).unwrap_or_default();
            let _ = write!(out, " {:.2} | {:.2} | {:.2} |", c.precision(), c.recall(), c.f1());
        }
        out.push('\n');
    }
    let _ = write!(out, "| **micro** | {} |", first.micro().support());
    for (_, scores) in models {
        let m = scores.micro();
        let _ = write!(out, " {:.2} | {:.2} | **{:.3}** |", m.precision(), m.recall(), m.f1());
    }
    out.push('\n');
    out.push_str("| **macro F1** | |");
    for (_, scores) in models {
        let _ = write!(out, " | | **{:.3}** |", scores.macro_f1());
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_micro_and_macro() {
        let mut s = Scores::new(["transport", "ecology", "other"]);
        s.add(&["transport"], &["transport"]);
        s.add(&["transport", "ecology"], &["transport"]);
        s.add(&["other"], &["ecology"]);
        assert_eq!(s.counts[0], Counts { tp: 2, fp: 0, fn_: 0 });
        assert_eq!(s.counts[1], Counts { tp: 0, fp: 1, fn_: 1 });
        assert_eq!(s.counts[2], Counts { tp: 0, fp: 0, fn_: 1 });
        assert_eq!(s.micro(), Counts { tp: 2, fp: 1, fn_: 2 });
        assert!((s.macro_f1() - 1.0 / 3.0).abs() < 1e-9);
        let table = table(&[("lexicon", &s)]);
        assert!(table.contains("| transport | 2 | 1.00 | 1.00 | 1.00 |"), "{table}");
        assert!(table.contains("| **macro F1** | | | | **0.333** |"), "{table}");
    }
}
