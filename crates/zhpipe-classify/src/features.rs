//! What a model sees of one sentence, and the sparse features the trained model is built on.
//!
//! Both models read a [`SentenceView`]: the sentence's text, its words (when a segmenter ran)
//! and the kinds of the gazetteer mentions inside it (when a gazetteer ran). Views borrow from
//! the document, so classifying allocates only the features themselves.

use zhpipe_core::{Document, Layers};

/// One sentence as the models see it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SentenceView<'a> {
    /// The sentence text.
    pub text: &'a str,
    /// Its words, in order (empty when no segmenter ran).
    pub words: Vec<&'a str>,
    /// The kinds of the gazetteer mentions inside it, in order (empty without a gazetteer).
    pub kinds: Vec<&'a str>,
}

impl<'a> SentenceView<'a> {
    /// A view of bare text: no words, no mentions.
    pub fn text(text: &'a str) -> Self {
        Self { text, words: Vec::new(), kinds: Vec::new() }
    }

    /// One view per sentence of `doc`, with the tokens and mentions inside each sentence.
    pub fn of_document(doc: &'a Document) -> Vec<SentenceView<'a>> {
        let has_mentions = doc.layers().contains(Layers::MENTIONS);
        let mentions = doc.mentions.as_slice();
        let mut token_i = 0;
        let mut mention_i = 0;
        doc.sentences
            .iter()
            .map(|&sentence| {
                let mut view = SentenceView::text(&doc.text[sentence.range()]);
                // Tokens and mentions are ordered by span, sentences too: one forward pass.
                while token_i < doc.tokens.len() && doc.tokens[token_i].span.end <= sentence.start {
                    token_i += 1;
                }
                while token_i < doc.tokens.len() && sentence.contains(doc.tokens[token_i].span) {
                    view.words.push(&doc.text[doc.tokens[token_i].span.range()]);
                    token_i += 1;
                }
                if has_mentions {
                    while mention_i < mentions.len() && mentions[mention_i].span.end <= sentence.start {
                        mention_i += 1;
                    }
                    let mut j = mention_i;
                    while j < mentions.len() && mentions[j].span.start < sentence.end {
                        if sentence.contains(mentions[j].span) {
                            view.kinds.push(doc.mentions.resolve(mentions[j]).kind());
                        }
                        j += 1;
                    }
                }
                view
            })
            .collect()
    }
}

/// Which feature families a trained model uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeatureSet {
    /// The lexicon's score of every label (`lex:transport`), from the lexicon embedded in the
    /// model file: the model learns how far to trust each label's terms and corrects them with
    /// the other features.
    pub lexicon: bool,
    /// Words from the segmenter (`w:协同`).
    pub words: bool,
    /// Character bigrams of the text (`b:协同`), digits folded to `0`.
    pub bigrams: bool,
    /// Gazetteer mention kinds (`k:province`).
    pub kinds: bool,
}

impl Default for FeatureSet {
    fn default() -> Self {
        Self { lexicon: true, words: true, bigrams: true, kinds: true }
    }
}

/// Whether a char carries meaning for features: letters and digits of any script.
pub(crate) fn is_content(c: char) -> bool {
    c.is_alphanumeric()
}

/// Digits folded to `0`, so that 2021年 and 2024年 are one feature; ASCII lower-cased.
pub(crate) fn fold(c: char) -> char {
    if c.is_ascii_digit() || ('０'..='９').contains(&c) { '0' } else { c.to_ascii_lowercase() }
}

/// Calls `visit` with every text feature of a sentence (words, bigrams, mention kinds), in
/// order and with repeats, each built in one reused buffer: training collects them, the
/// trained model looks them up without allocating.
pub(crate) fn for_each_text_feature(view: &SentenceView<'_>, set: FeatureSet, mut visit: impl FnMut(&str)) {
    let mut buffer = String::with_capacity(32);
    if set.words {
        for word in view.words.iter().filter(|w| w.chars().any(is_content)) {
            buffer.clear();
            buffer.push_str("w:");
            buffer.extend(word.chars().map(fold));
            visit(&buffer);
        }
    }
    if set.bigrams {
        let mut prev: Option<char> = None;
        for c in view.text.chars() {
            if !is_content(c) {
                prev = None;
                continue;
            }
            let c = fold(c);
            if let Some(p) = prev {
                buffer.clear();
                buffer.push_str("b:");
                buffer.push(p);
                buffer.push(c);
                visit(&buffer);
            }
            prev = Some(c);
        }
    }
    if set.kinds {
        for kind in &view.kinds {
            buffer.clear();
            buffer.push_str("k:");
            buffer.push_str(kind);
            visit(&buffer);
        }
    }
}

/// The distinct feature strings of a sentence, sorted.
pub fn extract(view: &SentenceView<'_>, set: FeatureSet) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(view.text.len() / 2);
    for_each_text_feature(view, set, |feature| out.push(feature.to_owned()));
    out.sort_unstable();
    out.dedup();
    out
}

/// The features of a sentence with their values: the text features (words, bigrams, kinds)
/// share a unit length so that long and short sentences weigh the same; each lexicon feature is
/// the lexicon's 0..1 score of its label.
pub(crate) fn weighted(
    view: &SentenceView<'_>,
    set: FeatureSet,
    lexicon: Option<&crate::LexiconModel>,
) -> Vec<(String, f32)> {
    let text = extract(view, set);
    let value = if text.is_empty() { 0.0 } else { 1.0 / (text.len() as f32).sqrt() };
    let mut out: Vec<(String, f32)> = text.into_iter().map(|f| (f, value)).collect();
    if let (true, Some(lexicon)) = (set.lexicon, lexicon) {
        for (label, score) in lexicon.label_scores(view) {
            out.push((format!("lex:{}", lexicon.taxonomy().labels[label].id), score));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhpipe_core::{EntryNames, Mentions, Span, Token};

    #[test]
    fn bigrams_skip_punctuation_and_fold_digits() {
        let view = SentenceView::text("建成2条，PM2.5");
        let features = extract(&view, FeatureSet { lexicon: false, words: false, bigrams: true, kinds: false });
        assert_eq!(features, ["b:0条", "b:m0", "b:pm", "b:建成", "b:成0"]);
    }

    #[test]
    fn views_collect_the_words_and_mention_kinds_of_each_sentence() {
        let mut doc = Document::from_text("d", "建设雄安新区。河北发展。");
        doc.sentences = vec![Span::new(0, 21), Span::new(21, 36)];
        doc.tokens = [(0, 6), (6, 18), (18, 21), (21, 27), (27, 33), (33, 36)]
            .iter()
            .map(|&(s, e)| Token::new(Span::new(s, e), None))
            .collect();
        let mention = |s, e, kind| {
            (
                Span::new(s, e),
                EntryNames { id: "x", kind, name: "x", dictionary: "places", category: zhpipe_core::Category::Place },
            )
        };
        doc.mentions = Mentions::from_names([mention(6, 18, "new_area"), mention(21, 27, "province")]);
        doc.mark_filled(Layers::SENTENCES | Layers::TOKENS | Layers::MENTIONS);
        let views = SentenceView::of_document(&doc);
        assert_eq!(views[0].words, ["建设", "雄安新区", "。"]);
        assert_eq!(views[0].kinds, ["new_area"]);
        assert_eq!(views[1].words, ["河北", "发展", "。"]);
        assert_eq!(views[1].kinds, ["province"]);
        let features = extract(&views[1], FeatureSet::default());
        assert_eq!(features, ["b:北发", "b:发展", "b:河北", "k:province", "w:发展", "w:河北"]);
    }
}
