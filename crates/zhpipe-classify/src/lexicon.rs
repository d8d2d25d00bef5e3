//! The lexicon model: weighted terms and mention kinds per label, summed per sentence.
//!
//! Every score can be explained: it is the sum of the weights of the listed terms found in the
//! sentence (each distinct term once) and of the listed mention kinds present. All terms of all
//! labels go into one Aho–Corasick automaton searched with overlapping matches, so a sentence
//! is scanned once whatever the size of the lexicon, and a term inside a longer one still fires.
//!
//! Context terms (`[label.context]`) are summed apart and added only when a term or kind of the
//! same label with a positive weight fired: a place name such as 雄安 is a weak clue alone and
//! a strong one next to 建设 or 规划, while 建设 next to no place name says nothing about it.

use aho_corasick::{AhoCorasick, MatchKind};
use zhpipe_core::Label;

use crate::{SentenceView, Taxonomy};

/// A compiled lexicon.
#[derive(Clone, Debug)]
pub struct LexiconModel {
    taxonomy: Taxonomy,
    automaton: AhoCorasick,
    /// For each pattern of the automaton: the labels it votes for, with weights.
    pattern_votes: Vec<Vec<Vote>>,
    /// The surface form of each pattern, as written in the file (for evidence).
    patterns: Vec<String>,
    /// For each mention kind: the labels it votes for.
    kind_votes: Vec<(String, Vec<(usize, f32)>)>,
}

/// One pattern's vote for one label.
#[derive(Clone, Copy, Debug)]
struct Vote {
    label: usize,
    weight: f32,
    /// A context term: counts only once the label has a positive clue of its own.
    context: bool,
}

/// Per-label sums of one sentence, kept apart until the end because context terms count only
/// for labels that have a clue of their own.
struct Tally {
    direct: Vec<f32>,
    context: Vec<f32>,
    /// Whether a term or kind with a positive weight fired for the label.
    anchored: Vec<bool>,
}

impl Tally {
    fn new(n: usize) -> Self {
        Self { direct: vec![0.0; n], context: vec![0.0; n], anchored: vec![false; n] }
    }

    fn add(&mut self, vote: Vote) {
        if vote.context {
            self.context[vote.label] += vote.weight;
        } else {
            self.direct[vote.label] += vote.weight;
            self.anchored[vote.label] |= vote.weight > 0.0;
        }
    }

    fn totals(self) -> Vec<f32> {
        let Self { mut direct, context, anchored } = self;
        for ((total, extra), anchored) in direct.iter_mut().zip(context).zip(anchored) {
            if anchored {
                *total += extra;
            }
        }
        direct
    }
}

/// The raw lexicon score of one label in one sentence, with what fired.
#[derive(Clone, Debug, PartialEq)]
pub struct LexiconScore {
    /// Label index into the taxonomy.
    pub label: usize,
    /// Summed weights.
    pub total: f32,
    /// Terms (and `kind:<kind>` entries) that fired, in order of first occurrence.
    pub fired: Vec<String>,
}

impl LexiconModel {
    /// Compiles the lexicon of a taxonomy.
    pub fn new(taxonomy: Taxonomy) -> Self {
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_votes: Vec<Vec<Vote>> = Vec::new();
        let mut kind_votes: Vec<(String, Vec<(usize, f32)>)> = Vec::new();
        for (label, def) in taxonomy.labels.iter().enumerate() {
            let terms = def.terms.iter().map(|t| (t, false)).chain(def.context.iter().map(|t| (t, true)));
            for ((term, weight), context) in terms {
                // Matching ignores ASCII case, so `PM2.5` and `pm2.5` are one pattern.
                let i = match patterns.iter().position(|p| p.eq_ignore_ascii_case(term)) {
                    Some(i) => i,
                    None => {
                        patterns.push(term.clone());
                        pattern_votes.push(Vec::new());
                        patterns.len() - 1
                    }
                };
                pattern_votes[i].push(Vote { label, weight: *weight, context });
            }
            for (kind, weight) in &def.kinds {
                match kind_votes.iter_mut().find(|(k, _)| k == kind) {
                    Some((_, votes)) => votes.push((label, *weight)),
                    None => kind_votes.push((kind.clone(), vec![(label, *weight)])),
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .expect("a lexicon of at most a few thousand terms always compiles");
        Self { taxonomy, automaton, pattern_votes, patterns, kind_votes }
    }

    /// The taxonomy the lexicon belongs to.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// Raw scores of every label with at least one clue, in taxonomy order.
    pub fn raw_scores(&self, view: &SentenceView<'_>) -> Vec<LexiconScore> {
        let n = self.taxonomy.labels.len();
        let mut tally = Tally::new(n);
        let mut fired: Vec<Vec<String>> = vec![Vec::new(); n];
        let mut context_fired: Vec<Vec<String>> = vec![Vec::new(); n];
        let mut seen = vec![false; self.patterns.len()];
        for m in self.automaton.find_overlapping_iter(view.text) {
            let p = m.pattern().as_usize();
            if std::mem::replace(&mut seen[p], true) {
                continue;
            }
            for &vote in &self.pattern_votes[p] {
                tally.add(vote);
                let list = if vote.context { &mut context_fired } else { &mut fired };
                list[vote.label].push(self.patterns[p].clone());
            }
        }
        for (kind, votes) in &self.kind_votes {
            if view.kinds.iter().any(|k| k == kind) {
                for &(label, weight) in votes {
                    tally.add(Vote { label, weight, context: false });
                    fired[label].push(format!("kind:{kind}"));
                }
            }
        }
        let anchored = tally.anchored.clone();
        let totals = tally.totals();
        // Context terms are evidence only where they counted.
        for ((fired, context), anchored) in fired.iter_mut().zip(context_fired).zip(anchored) {
            if anchored {
                fired.extend(context);
            }
        }
        fired
            .into_iter()
            .zip(totals)
            .enumerate()
            .filter(|(_, (fired, _))| !fired.is_empty())
            .map(|(label, (fired, total))| LexiconScore { label, total, fired })
            .collect()
    }

    /// The summed weight of every label (taxonomy order), without recording what fired: the
    /// fast path when no evidence is asked for.
    pub fn totals(&self, view: &SentenceView<'_>) -> Vec<f32> {
        let mut tally = Tally::new(self.taxonomy.labels.len());
        // A sentence fires a handful of patterns: a short list beats a bitmap of the lexicon.
        let mut seen: Vec<usize> = Vec::new();
        for m in self.automaton.find_overlapping_iter(view.text) {
            let p = m.pattern().as_usize();
            if seen.contains(&p) {
                continue;
            }
            seen.push(p);
            for &vote in &self.pattern_votes[p] {
                tally.add(vote);
            }
        }
        for (kind, votes) in &self.kind_votes {
            if view.kinds.iter().any(|k| k == kind) {
                for &(label, weight) in votes {
                    tally.add(Vote { label, weight, context: false });
                }
            }
        }
        tally.totals()
    }

    /// A label's 0..1 score from its total: `1 − 2^(−total/threshold)`, so the threshold scores
    /// 0.5; nothing (or a negative total) scores 0.
    pub fn score(&self, total: f32) -> f32 {
        if total <= 0.0 { 0.0 } else { 1.0 - (-total / self.taxonomy.threshold).exp2() }
    }

    /// The labels that score above 0 in a sentence, as (index into the taxonomy, score).
    pub fn label_scores<'a>(&'a self, view: &SentenceView<'_>) -> impl Iterator<Item = (usize, f32)> + 'a {
        self.totals(view)
            .into_iter()
            .enumerate()
            .filter(|&(_, total)| total > 0.0)
            .map(|(label, total)| (label, self.score(total)))
    }

    /// The labels of one sentence, best first: every label whose total reaches the threshold,
    /// or `other` when none does. Scores map the total onto 0..1 so that the threshold is 0.5
    /// ([`LexiconModel::score`]); `other` scores one minus the best label's score.
    pub fn classify(&self, view: &SentenceView<'_>, evidence: bool) -> Vec<Label> {
        let threshold = self.taxonomy.threshold;
        let scores = if evidence {
            self.raw_scores(view)
        } else {
            self.totals(view)
                .into_iter()
                .enumerate()
                .filter(|(_, total)| *total != 0.0)
                .map(|(label, total)| LexiconScore { label, total, fired: Vec::new() })
                .collect()
        };
        let mut labels: Vec<Label> = Vec::new();
        let mut best = 0f32;
        for s in scores {
            let score = self.score(s.total);
            best = best.max(score);
            if s.total >= threshold - 1e-6 {
                labels.push(Label {
                    label: self.taxonomy.labels[s.label].id.clone(),
                    score: round(score),
                    evidence: s.fired,
                });
            }
        }
        if labels.is_empty() {
            let other = self.taxonomy.labels.last().expect("a taxonomy has `other`");
            return vec![Label { label: other.id.clone(), score: round(1.0 - best), evidence: Vec::new() }];
        }
        sort_labels(&mut labels);
        labels
    }
}

/// Scores rounded to 4 decimals keep records short and stable across platforms.
pub(crate) fn round(x: f32) -> f32 {
    (x * 10_000.0).round() / 10_000.0
}

/// Best first; ties in taxonomy order (the sort is stable).
pub(crate) fn sort_labels(labels: &mut [Label]) {
    labels.sort_by(|a, b| b.score.total_cmp(&a.score));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> LexiconModel {
        LexiconModel::new(Taxonomy::bundled())
    }

    /// `t!(name, sentence, expected)`: the labels (with the terms that fired) of a real sentence
    /// under the bundled lexicon, rendered `label[term+term]`.
    macro_rules! t {
        ($name:ident, $text:expr, $expected:expr) => {
            #[test]
            fn $name() {
                let model = lexicon();
                let labels = model.classify(&SentenceView::text($text), true);
                let mut rendered: Vec<String> =
                    labels.iter().map(|l| format!("{}[{}]", l.label, l.evidence.join("+"))).collect();
                rendered.sort();
                let mut expected: Vec<&str> = $expected.to_vec();
                expected.sort();
                assert_eq!(rendered, expected, "{}", $text);
            }
        };
    }

    // Moving universities and hospitals out is relocation alone: 疏解 takes back, as context of
    // public_services, what the institutions' names gave it.
    t!(
        lex001_relocation,
        "首批7家央企总部迁出北京，有关高校和医院的疏解工作稳步实施，一批具有标志性和影响力的疏解项目有序启动，形成良好的示范效应。",
        ["relocation[央企+央企总部+总部+总部迁+迁出+疏解]"]
    );
    t!(
        lex002_two_wings,
        "雄安新区和北京城市副中心建设扎实推进，重点领域协同发展取得新突破。",
        ["new_wings[雄安+副中心+建设+发展]"]
    );
    // The definition: a line that merely ends in 雄安 or 副中心 is transport, not new_wings; the
    // name alone stays below the threshold because no word of building or planning joins it.
    t!(
        lex009_a_place_name_alone_is_not_new_wings,
        "京唐城际铁路起自北京城市副中心站，终点河北唐山，预计年底部分开通。",
        ["transport[城际+铁路+站]"]
    );
    // Context terms never vote alone: 建设 and 项目 without either wing say nothing of them.
    t!(lex010_context_terms_alone_do_not_vote, "重大项目正在加紧规划建设。", ["other[]"]);
    t!(lex003_meeting_attendance, "李鸿忠、蔡奇、王勇、何立峰出席会议。", ["meeting[出席+会议]"]);
    t!(
        lex004_several_labels,
        "在增进民生福祉上持续用力,强化污染联防联控联治,补齐交通设施短板,推动北京教育、医疗、养老等优质公共服务资源向环京地区布局,完善社保“一卡通”服务,促进文旅融合发展。",
        ["ecology[污染]", "transport[交通]", "public_services[民生+福祉+教育+医疗+养老+公共服务+社保+一卡通]"]
    );
    t!(
        lex005_loyalty_formulas,
        "始终把推进京津冀协同发展作为重大政治任务,坚决拥护“两个确立”,增强“四个意识”、坚定“四个自信”、做到“两个维护”。",
        ["party_building[政治任务+两个确立+四个意识+四个自信+两个维护]"]
    );
    t!(lex006_nothing_specific_is_other, "共同打造中国式现代化建设先行区示范区", ["other[]"]);
    t!(lex007_ascii_case_is_ignored, "2021年河北省pm2.5平均浓度38.8微克/立方米。", ["ecology[PM2.5]"]);
    t!(lex008_one_weak_clue_is_not_enough, "要处理好同中心城区的关系，推动企业发展。", ["other[]"]);

    #[test]
    fn a_term_counts_once_per_sentence_and_scores_follow_the_threshold() {
        let model = lexicon();
        let once = model.raw_scores(&SentenceView::text("疏解。"));
        let twice = model.raw_scores(&SentenceView::text("疏解，再疏解。"));
        assert_eq!(once, twice);
        assert_eq!(once[0].total, 1.5);
        // 1.5 × the threshold of 1.0 scores 1 − 2^−1.5.
        let labels = model.classify(&SentenceView::text("疏解。"), false);
        assert_eq!(labels[0].score, round(1.0 - 2f32.powf(-1.5)));
        assert!(labels[0].evidence.is_empty(), "evidence only on request");
    }

    #[test]
    fn totals_agree_with_the_explained_scores() {
        let model = lexicon();
        let text = "在增进民生福祉上持续用力,强化污染联防联控联治,补齐交通设施短板,深入开展主题教育。";
        let view = SentenceView { text, words: vec![], kinds: vec!["person"] };
        let totals = model.totals(&view);
        let explained = model.raw_scores(&view);
        assert!(explained.len() >= 4);
        for score in &explained {
            assert_eq!(totals[score.label], score.total, "{}", model.taxonomy().labels[score.label].id);
        }
        assert_eq!(totals.iter().filter(|t| **t != 0.0).count(), explained.iter().filter(|s| s.total != 0.0).count());
        assert_eq!(model.classify(&view, false), {
            let mut labels = model.classify(&view, true);
            labels.iter_mut().for_each(|l| l.evidence.clear());
            labels
        });
    }

    #[test]
    fn context_terms_count_only_after_a_positive_clue_of_their_label() {
        let text = "format = 1\n[[label]]\nid = \"new_wings\"\nzh = \"两翼\"\nen = \"W\"\ndefinition = \"d\"\n\
            [label.terms]\n\"雄安\" = 0.6\n\"异地\" = -0.5\n[label.context]\n\"建设\" = 0.4\n\
            [[label]]\nid = \"other\"\nzh = \"其他\"\nen = \"O\"\ndefinition = \"d\"\n";
        let model = LexiconModel::new(Taxonomy::parse(text, "t").unwrap());
        let total = |s: &str| model.totals(&SentenceView::text(s))[0];
        assert_eq!(total("雄安"), 0.6);
        assert_eq!(total("建设"), 0.0);
        assert_eq!(total("雄安建设"), 1.0);
        // A negative term is no clue: it cannot open the door to the context.
        assert_eq!(total("异地建设"), -0.5);
        let explained = model.raw_scores(&SentenceView::text("建设雄安"));
        assert_eq!(explained[0].fired, ["雄安", "建设"], "context is listed after the clues it joined");
        assert!(model.raw_scores(&SentenceView::text("建设")).is_empty());
    }

    #[test]
    fn mention_kinds_add_their_weight() {
        let model = lexicon();
        let mut view = SentenceView::text("殷勇、张工讲话。");
        assert_eq!(model.classify(&view, false)[0].label, "other");
        view.kinds = vec!["person", "person"];
        let labels = model.classify(&view, true);
        // 讲话 0.6 + person 0.3 is still short of 1.0; one more clue decides.
        assert_eq!(labels[0].label, "other");
        view.text = "殷勇、张工分别讲话。";
        let labels = model.classify(&view, true);
        assert_eq!(labels[0].label, "meeting");
        assert_eq!(labels[0].evidence, ["讲话", "kind:person", "分别"]);
    }
}
