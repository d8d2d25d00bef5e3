//! For any text: sentence and token spans in bounds, on char boundaries, ordered, not
//! overlapping, covering every non-whitespace character, and tokens inside sentences.

mod common;

use std::sync::OnceLock;

use common::{check_layers, check_spans};
use proptest::prelude::*;
use zhpipe_segment::{Direction, MaxMatch, MaxMatchConfig, Mode, Segment, SegmentConfig, split_sentences};

fn jieba() -> &'static jieba_rs::Jieba {
    static JIEBA: OnceLock<jieba_rs::Jieba> = OnceLock::new();
    JIEBA.get_or_init(jieba_rs::Jieba::new)
}

fn stages() -> &'static [Segment] {
    static STAGES: OnceLock<Vec<Segment>> = OnceLock::new();
    STAGES.get_or_init(|| {
        [(true, true), (false, true), (true, false)]
            .into_iter()
            .map(|(hmm, fold_width)| {
                Segment::with_jieba(jieba().clone(), &SegmentConfig { hmm, fold_width, ..SegmentConfig::default() })
            })
            .collect()
    })
}

/// Stages with nothing of their own added (no width folding, no date joining), HMM off and on,
/// kept for the whole run so their tag memos fill up across cases.
fn plain_stages() -> &'static [Segment] {
    static STAGES: OnceLock<Vec<Segment>> = OnceLock::new();
    STAGES.get_or_init(|| {
        [false, true]
            .into_iter()
            .map(|hmm| {
                Segment::with_jieba(
                    jieba().clone(),
                    &SegmentConfig { hmm, fold_width: false, join_dates: false, ..SegmentConfig::default() },
                )
            })
            .collect()
    })
}

fn max_match(direction: Direction) -> MaxMatch {
    MaxMatch::with_jieba(jieba().clone(), &MaxMatchConfig { direction, ..MaxMatchConfig::default() })
}

/// Text made of the pieces that matter to the splitter and the segmenters: Chinese words,
/// terminators, quotes and brackets in and out of balance, full-width and ASCII digits and
/// letters, decimals, whitespace of every kind, and any other character.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "京津冀", "协同发展", "雄安新区", "研究生命起源", "他说", "２０２１年", "ＰＭ２．５", "2.88万", "PM2.5",
            "15.3%", "v1.2", "abc", "的", "了",
        ]).prop_map(str::to_owned),
        3 => prop::sample::select(vec![
            "。", "！", "？", "；", "!", "?", ";", "…", "……", "⋯⋯", "“", "”", "‘", "’", "《", "》", "（", "）", "(",
            ")", "\"", "'", "、", "，", ",", ".", "．", "——",
        ]).prop_map(str::to_owned),
        2 => prop::sample::select(vec![" ", "\n", "\r\n", "\r", "\t", "\u{3000}", "\u{a0}", "  "]).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
        1 => "\\PC{0,6}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn jieba_layers_are_valid(text in text()) {
        for stage in stages() {
            let (sentences, tokens) = stage.segment(&text);
            if let Err(e) = check_layers(&text, &sentences, &tokens) {
                prop_assert!(false, "{e} in {text:?}");
            }
        }
    }

    #[test]
    fn max_match_layers_are_valid(text in text()) {
        for direction in [Direction::Bidirectional, Direction::Forward, Direction::Backward] {
            let (sentences, tokens) = max_match(direction).segment(&text);
            if let Err(e) = check_layers(&text, &sentences, &tokens) {
                prop_assert!(false, "{direction:?}: {e} in {text:?}");
            }
        }
    }

    #[test]
    fn sentences_of_arbitrary_text_are_valid(text in "\\PC{0,80}|[。！？；!?;…“”《》（）\\n a京]{0,40}") {
        let mut sentences = Vec::new();
        split_sentences(&text, &mut sentences);
        if let Err(e) = check_spans(&text, &sentences, "sentence") {
            prop_assert!(false, "{e} in {text:?}");
        }
    }

    /// Tags come from a memo of words already tagged, and are exactly `Jieba::tag`'s, whether
    /// the memo is fresh or warm from earlier texts: with nothing of the stage's own added,
    /// the stage's words and tags are jieba's on the whole text, less whitespace.
    #[test]
    fn tags_are_jiebas(text in text(), hmm in any::<bool>()) {
        let expected: Vec<String> = jieba()
            .tag(&text, hmm)
            .iter()
            .filter(|t| !t.word.starts_with(char::is_whitespace))
            .map(|t| format!("{}/{}@{}..{}", t.word, t.tag, t.byte_start, t.byte_end))
            .collect();
        let config = SegmentConfig { hmm, fold_width: false, join_dates: false, ..SegmentConfig::default() };
        let fresh = Segment::with_jieba(jieba().clone(), &config);
        let warm = &plain_stages()[usize::from(hmm)];
        for stage in [&fresh, warm, &fresh] {
            let tokens = stage.segment(&text).1;
            let rendered: Vec<String> = tokens
                .iter()
                .map(|t| format!("{}/{}@{}..{}", &text[t.span.range()], t.pos.unwrap(), t.span.start, t.span.end))
                .collect();
            prop_assert_eq!(&rendered, &expected);
        }
    }

    /// Search mode: tokens ordered by start; each lies inside a word of the default cut, and
    /// those words are all among them.
    #[test]
    fn search_tokens_nest_in_default_words(text in text()) {
        let default = Segment::with_jieba(jieba().clone(), &SegmentConfig::default());
        let search = Segment::with_jieba(jieba().clone(), &SegmentConfig { mode: Mode::Search, ..SegmentConfig::default() });
        let (sentences, words) = default.segment(&text);
        let (search_sentences, tokens) = search.segment(&text);
        prop_assert_eq!(&sentences, &search_sentences);
        prop_assert!(tokens.windows(2).all(|w| w[0].span.start <= w[1].span.start), "unordered in {:?}", text);
        for t in &tokens {
            prop_assert!(t.span.is_valid_in(&text));
            prop_assert!(words.iter().any(|w| w.span.contains(t.span)), "{} outside every word in {:?}", t.span, text);
        }
        for w in &words {
            prop_assert!(tokens.iter().any(|t| t.span == w.span), "word {} missing in {:?}", w.span, text);
        }
    }
}
