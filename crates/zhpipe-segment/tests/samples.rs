//! The stages on the bundled samples: domain terms as single words, layer invariants for both
//! segmenters, golden segmentation, and each segmenter run as a configured chain.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{check_layers, repo, samples, terms_dict};
use zhpipe_core::{Document, Layers, PipelineConfig, Registry, Stage};
use zhpipe_segment::{MaxMatch, MaxMatchConfig, Segment, SegmentConfig};

fn segment() -> &'static Segment {
    static STAGE: OnceLock<Segment> = OnceLock::new();
    STAGE.get_or_init(|| {
        Segment::new(&SegmentConfig { user_dictionaries: vec![terms_dict()], ..SegmentConfig::default() }).unwrap()
    })
}

fn max_match() -> &'static MaxMatch {
    static STAGE: OnceLock<MaxMatch> = OnceLock::new();
    STAGE.get_or_init(|| {
        MaxMatch::new(&MaxMatchConfig { user_dictionaries: vec![terms_dict()], ..MaxMatchConfig::default() }).unwrap()
    })
}

/// The region's policy vocabulary and the names in the samples (Simplified-script samples 000,
/// 001 and 003; 002 and 004 are Traditional until the convert stage has run).
const TERMS: &[&str] = &[
    "京津冀",
    "雄安新区",
    "北京城市副中心",
    "非首都功能",
    "通武廊",
    "新质生产力",
    "京津冀协同发展领导小组",
    "中国式现代化",
    "新发展理念",
    "新发展格局",
    "先行区",
    "新两翼",
    "大城市病",
    "首都都市圈",
    "央企总部",
    "临空经济区",
    "北三县",
    "天开高教科创园",
    "自贸试验区",
    "北方防沙带",
    "绿色生态屏障",
    "主题教育",
    "国家发展改革委",
    "河北日报",
    "新华社",
    "中央军委",
    "北京国际科技创新中心",
    "京津冀国家技术创新中心",
    "习近平",
    "韩正",
    "尹力",
    "陈敏尔",
    "倪岳峰",
    "殷勇",
    "张工",
    "王正谱",
    "郭兰峰",
    "李鸿忠",
    "蔡奇",
    "王勇",
    "何立峰",
    "李强",
    "丁薛祥",
    "李干杰",
    "吴政隆",
    "穆虹",
    "赵海江",
    "四建磊",
    "吴韬",
    "刘万里",
];

#[test]
fn domain_terms_are_single_words_in_the_samples() {
    let mut found = vec![0; TERMS.len()];
    let mut failures = Vec::new();
    for (name, text) in samples().iter().filter(|(name, _)| ["000", "001", "003"].iter().any(|p| name.starts_with(p))) {
        let (_, tokens) = segment().segment(text);
        for (i, term) in TERMS.iter().enumerate() {
            for (at, _) in text.match_indices(term) {
                let end = at + term.len();
                // The term is one token, or lies inside one longer token (京津冀 inside
                // 京津冀协同发展领导小组): never cut apart.
                match tokens.iter().find(|t| t.span.start <= at && end <= t.span.end) {
                    Some(_) => found[i] += 1,
                    None => {
                        let around: Vec<&str> = tokens
                            .iter()
                            .filter(|t| t.span.end > at.saturating_sub(6) && t.span.start < end + 6)
                            .map(|t| &text[t.span.range()])
                            .collect();
                        failures.push(format!("{name}@{at}: {term} cut as {}", around.join("/")));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let missing: Vec<&str> = TERMS.iter().zip(&found).filter(|(_, n)| **n == 0).map(|(t, _)| *t).collect();
    assert!(missing.is_empty(), "terms that never occur in the samples (the list is wrong): {missing:?}");
}

#[test]
fn terms_dictionary_tags_hold() {
    let text = "韩正主持召开京津冀协同发展领导小组会议，推进雄安新区和北京城市副中心建设，发展新质生产力。";
    let (_, tokens) = segment().segment(text);
    let rendered: Vec<String> =
        tokens.iter().map(|t| format!("{}/{}", &text[t.span.range()], t.pos.unwrap())).collect();
    assert_eq!(
        rendered.join(" "),
        "韩正/nr 主持/v 召开/v 京津冀协同发展领导小组/nt 会议/n ，/x 推进/v 雄安新区/ns 和/c 北京城市副中心/ns 建设/vn ，/x 发展/vn 新质生产力/n 。/x"
    );
}

#[test]
fn both_segmenters_keep_the_layer_invariants_on_every_sample() {
    for (name, text) in samples() {
        let (sentences, tokens) = segment().segment(&text);
        check_layers(&text, &sentences, &tokens).unwrap_or_else(|e| panic!("segment, {name}: {e}"));
        assert!(tokens.iter().all(|t| t.pos.is_some()), "segment, {name}: untagged token");
        let (mm_sentences, mm_tokens) = max_match().segment(&text);
        check_layers(&text, &mm_sentences, &mm_tokens).unwrap_or_else(|e| panic!("segment-mm, {name}: {e}"));
        assert_eq!(sentences, mm_sentences, "{name}: both split sentences the same way");
        assert!(tokens.len() > text.chars().count() / 4, "{name}: too few tokens ({})", tokens.len());
    }
}

/// Sentences and words of every sample, one sentence a line, words as `word/tag`, for review.
#[test]
fn golden_segmentation_of_the_samples() {
    for (name, text) in samples() {
        let (sentences, tokens) = segment().segment(&text);
        let mut out = String::new();
        let mut tokens = tokens.iter().peekable();
        for sentence in &sentences {
            out.push_str(&format!("{sentence}\t"));
            let mut words = Vec::new();
            while let Some(t) = tokens.next_if(|t| t.span.end <= sentence.end) {
                words.push(format!("{}/{}", &text[t.span.range()], t.pos.map(|p| p.to_string()).unwrap_or_default()));
            }
            out.push_str(&words.join(" "));
            out.push('\n');
        }
        let golden = repo().join("tests/golden/segment").join(Path::new(&name).with_extension("txt"));
        zhpipe_core::check_golden(golden, &out);
    }
}

/// The memo's tags are `Jieba::tag`'s on every sample, with the domain dictionary loaded,
/// the memo empty (first pass) and full (second pass).
#[test]
fn tags_are_jiebas_on_the_samples() {
    let config = SegmentConfig {
        user_dictionaries: vec![terms_dict()],
        fold_width: false,
        join_dates: false,
        ..SegmentConfig::default()
    };
    let stage = Segment::new(&config).unwrap();
    for pass in ["empty", "full"] {
        for (name, text) in samples() {
            let expected: Vec<String> = stage
                .jieba()
                .tag(&text, true)
                .iter()
                .filter(|t| !t.word.starts_with(char::is_whitespace))
                .map(|t| format!("{}/{}@{}", t.word, t.tag, t.byte_start))
                .collect();
            let actual: Vec<String> = stage
                .segment(&text)
                .1
                .iter()
                .map(|t| format!("{}/{}@{}", &text[t.span.range()], t.pos.unwrap(), t.span.start))
                .collect();
            assert_eq!(actual, expected, "{name}, memo {pass}");
        }
    }
}

#[test]
fn each_segmenter_runs_as_a_configured_chain() {
    let mut registry = Registry::new();
    zhpipe_segment::register(&mut registry);
    let text = "2月25日，河北省召开京津冀协同发展工作座谈会。雄安新区建设取得重大阶段性成果。";
    for (stage, keys) in [
        ("segment", "user_dictionaries = [\"dictionaries/terms.dict\"]\nhmm = false\n"),
        ("segment", "mode = \"search\"\ntags = false\n"),
        ("segment-mm", "user_dictionaries = [\"dictionaries/terms.dict\"]\ndirection = \"forward\"\n"),
    ] {
        let config = format!("[[stage]]\nuse = \"{stage}\"\n{keys}");
        let chain = PipelineConfig::parse(&config, &repo().join("test.toml"))
            .unwrap()
            .build(&registry, Layers::TEXT)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut doc = Document::from_text("d", text);
        chain.run(&mut doc, |_, _| {}).unwrap();
        assert!(doc.layers().contains(Layers::SENTENCES | Layers::TOKENS));
        let sentences: Vec<&str> = doc.sentences.iter().map(|s| doc.slice(*s)).collect();
        assert_eq!(
            sentences,
            ["2月25日，河北省召开京津冀协同发展工作座谈会。", "雄安新区建设取得重大阶段性成果。"],
            "{config}"
        );
        let words: Vec<&str> = doc.tokens.iter().map(|t| doc.slice(t.span)).collect();
        assert!(words.contains(&"京津冀"), "{config}: {words:?}");
        if keys.contains("terms.dict") {
            assert!(words.contains(&"雄安新区"), "{config}: {words:?}");
        } else {
            // Search mode: 雄安新区 is not a word without terms.dict, 新区 is.
            assert!(words.contains(&"新区") && !words.contains(&"雄安新区"), "{config}: {words:?}");
        }
    }
}

#[test]
fn numbers_before_date_units_are_joined_and_tagged_as_time() {
    let text = "2024年5月11日至12日,１９９８年３号。";
    let (_, tokens) = segment().segment(text);
    let rendered: Vec<String> =
        tokens.iter().map(|t| format!("{}/{}", &text[t.span.range()], t.pos.unwrap())).collect();
    // 日至 is a dictionary word, so the 11 before it stays a number.
    assert_eq!(rendered.join(" "), "2024年/t 5月/t 11/m 日至/p 12日/t ,/x １９９８年/t ３号/t 。/x");
    let stage = MaxMatch::with_jieba(
        segment().jieba().clone(),
        &MaxMatchConfig { join_dates: false, ..MaxMatchConfig::default() },
    );
    let (_, tokens) = stage.segment(text);
    let words: Vec<&str> = tokens.iter().map(|t| &text[t.span.range()]).collect();
    assert_eq!(words[..3], ["2024", "年", "5"]);
}

#[test]
fn empty_text_gives_no_layers_and_a_note() {
    for stage in [segment() as &dyn Stage, max_match()] {
        let mut doc = Document::from_text("d", " \n\u{3000}");
        stage.process(&mut doc).unwrap();
        assert!(doc.sentences.is_empty() && doc.tokens.is_empty());
        assert_eq!(doc.notes.len(), 1);
        assert_eq!(doc.notes[0].kind, "no-sentences");
    }
}

#[test]
fn full_width_numbers_stay_whole_and_spans_point_into_the_original() {
    let text = "２０２１年河北省ＰＭ２．５平均浓度３８．８微克，下降１５．３％。";
    for fold_width in [true, false] {
        let stage = Segment::with_jieba(
            segment().jieba().clone(),
            &SegmentConfig { fold_width, hmm: false, join_dates: fold_width, ..SegmentConfig::default() },
        );
        let (sentences, tokens) = stage.segment(text);
        check_layers(text, &sentences, &tokens).unwrap();
        let words: Vec<&str> = tokens.iter().map(|t| &text[t.span.range()]).collect();
        if fold_width {
            assert_eq!(
                words,
                [
                    "２０２１年",
                    "河北省",
                    "ＰＭ２",
                    "．",
                    "５",
                    "平均",
                    "浓度",
                    "３８",
                    "．",
                    "８",
                    "微克",
                    "，",
                    "下降",
                    "１５",
                    "．",
                    "３",
                    "％",
                    "。"
                ]
            );
        } else {
            assert_eq!(words.iter().filter(|w| w.chars().count() == 1).count(), words.len() - 5, "{words:?}");
        }
    }
}

#[test]
fn a_word_list_alone_can_be_the_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("words.txt");
    std::fs::write(&list, "京津冀\n协同\n发展\n协同发展会\n").unwrap();
    let text = "京津冀协同发展会议";
    let words = |tokens: Vec<zhpipe_core::Token>| -> Vec<String> {
        tokens.iter().map(|t| text[t.span.range()].to_owned()).collect()
    };
    let jieba = Segment::new(&SegmentConfig {
        user_dictionaries: vec![list.clone()],
        jieba_dictionary: false,
        hmm: false,
        ..SegmentConfig::default()
    })
    .unwrap();
    // Every listed word counts 1: the fewest words win.
    assert_eq!(words(jieba.segment(text).1), ["京津冀", "协同发展会", "议"]);
    for (direction, expected) in [
        (zhpipe_segment::Direction::Forward, ["京津冀", "协同发展会", "议"]),
        (zhpipe_segment::Direction::Backward, ["京津冀", "协同发展会", "议"]),
    ] {
        let mm = MaxMatch::new(&MaxMatchConfig {
            user_dictionaries: vec![list.clone()],
            jieba_dictionary: false,
            direction,
            ..MaxMatchConfig::default()
        })
        .unwrap();
        assert_eq!(words(mm.segment(text).1), expected, "{direction:?}");
    }
    // With jieba's dictionary underneath, 会议 is a word.
    let full =
        Segment::new(&SegmentConfig { user_dictionaries: vec![list], hmm: false, ..SegmentConfig::default() }).unwrap();
    assert!(words(full.segment(text).1).contains(&"会议".to_owned()));
}
