//! Precision, recall and F1 from counts, and their means over pages, corpora or labels.
//!
//! Every ratio with a zero denominator is 0 (nothing predicted: precision 0; nothing gold: recall
//! 0), and so is F1 when precision and recall both are. The classify stage's per-label tables
//! come from `zhpipe_classify::metrics`, which follows the same conventions.

/// What a prediction got right: `correct` of `predicted` items, against `gold` items.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Predicted items that are gold.
    pub correct: usize,
    /// Every predicted item.
    pub predicted: usize,
    /// Every gold item.
    pub gold: usize,
}

/// Precision, recall and F1.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prf {
    /// correct / predicted.
    pub precision: f64,
    /// correct / gold.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl Counts {
    /// correct / predicted, 0 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.predicted)
    }

    /// correct / gold, 0 when nothing was gold.
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.gold)
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        f1(self.precision(), self.recall())
    }

    /// All three.
    pub fn prf(&self) -> Prf {
        Prf { precision: self.precision(), recall: self.recall(), f1: self.f1() }
    }

    /// Whether anything was predicted or gold.
    pub fn is_empty(&self) -> bool {
        self.predicted == 0 && self.gold == 0
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.correct += other.correct;
        self.predicted += other.predicted;
        self.gold += other.gold;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The harmonic mean of a precision and a recall, 0 when both are 0.
pub fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) }
}

/// The mean of the values, 0 for none.
pub fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, n) = values.into_iter().fold((0.0, 0usize), |(sum, n), v| (sum + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Precision, recall and F1 each averaged over the rows (the macro average of per-page scores).
pub fn mean_prf(rows: &[Prf]) -> Prf {
    Prf {
        precision: mean(rows.iter().map(|r| r.precision)),
        recall: mean(rows.iter().map(|r| r.recall)),
        f1: mean(rows.iter().map(|r| r.f1)),
    }
}

/// Macro-F1: the mean F1 over the classes that occur in the gold set or in the predictions
/// (a class with neither is left out rather than counted as 0).
pub fn macro_f1(classes: &[Counts]) -> f64 {
    mean(classes.iter().filter(|c| !c.is_empty()).map(Counts::f1))
}

/// Micro counts: every class's decisions pooled.
pub fn micro(classes: &[Counts]) -> Counts {
    let mut total = Counts::default();
    for &c in classes {
        total += c;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn precision_recall_f1_by_hand() {
        // 3 of 4 predicted are right, against 6 gold: P = 3/4, R = 1/2, F1 = 2·(3/8)/(5/4) = 3/5.
        let c = Counts { correct: 3, predicted: 4, gold: 6 };
        assert!(close(c.precision(), 0.75));
        assert!(close(c.recall(), 0.5));
        assert!(close(c.f1(), 0.6));
        assert_eq!(c.prf(), Prf { precision: c.precision(), recall: c.recall(), f1: c.f1() });
        // 1 of 3 predicted against 2 gold: P = 1/3, R = 1/2, F1 = (1/3)/(5/6) = 2/5.
        assert!(close(Counts { correct: 1, predicted: 3, gold: 2 }.f1(), 0.4));
    }

    #[test]
    fn zero_denominators_score_zero() {
        assert_eq!(Counts::default().prf(), Prf::default());
        let nothing_predicted = Counts { correct: 0, predicted: 0, gold: 5 };
        assert_eq!(
            (nothing_predicted.precision(), nothing_predicted.recall(), nothing_predicted.f1()),
            (0.0, 0.0, 0.0)
        );
        let nothing_gold = Counts { correct: 0, predicted: 2, gold: 0 };
        assert_eq!(nothing_gold.f1(), 0.0);
        assert_eq!(f1(0.0, 0.0), 0.0);
        assert_eq!(mean([]), 0.0);
    }

    #[test]
    fn macro_and_micro_by_hand() {
        // Class a: F1 1; class b: P 1/2, R 1, F1 2/3; class c never occurs and is left out.
        let a = Counts { correct: 2, predicted: 2, gold: 2 };
        let b = Counts { correct: 1, predicted: 2, gold: 1 };
        let c = Counts::default();
        assert!(close(macro_f1(&[a, b, c]), (1.0 + 2.0 / 3.0) / 2.0));
        assert_eq!(micro(&[a, b, c]), Counts { correct: 3, predicted: 4, gold: 3 });
        // Micro: P 3/4, R 1, F1 = 2·(3/4)/(7/4) = 6/7.
        assert!(close(micro(&[a, b, c]).f1(), 6.0 / 7.0));
        assert_eq!(macro_f1(&[c]), 0.0);
    }

    #[test]
    fn mean_prf_averages_each_column() {
        let rows = [Prf { precision: 1.0, recall: 0.5, f1: 0.2 }, Prf { precision: 0.5, recall: 0.0, f1: 0.4 }];
        let m = mean_prf(&rows);
        assert!(close(m.precision, 0.75) && close(m.recall, 0.25) && close(m.f1, 0.3), "{m:?}");
    }
}
