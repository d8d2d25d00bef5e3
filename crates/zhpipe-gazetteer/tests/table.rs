//! Table tests of matching semantics, run against every engine.

mod util;

use zhpipe_core::{PosTag, Span, Token};
use zhpipe_gazetteer::{CommonWords, CompileOptions, MatchRules};

use util::{compile, dictionary, engines, render};

/// A place, organisation and policy dictionary shared by most cases.
fn sources() -> Vec<zhpipe_gazetteer::Source> {
    vec![
        dictionary(
            "places",
            &[
                "北京市|place:110000|province",
                "北京|place:110000|province",
                "京|place:110000|province||flags=short",
                "天津市|place:120000|province",
                "天津|place:120000|province",
                "津|place:120000|province||flags=short",
                "河北省|place:130000|province",
                "河北|place:130000|province",
                "冀|place:130000|province||flags=short",
                "和平区|place:120101|county|place:120000",
                "和平|place:120101|county|place:120000|flags=common",
                "京津冀|region:jingjinji|region",
                "雄安新区|place:xiongan|new_area|place:130000",
            ],
        ),
        dictionary(
            "organisations",
            &[
                "北京大学|org:pku|organisation|place:110000",
                "天津港集团|org:tianjin-port-group|organisation|place:120000",
                "河北日报|org:hebei-daily|organisation|place:130000",
                "北京市委|org:beijing-party-committee|organisation|place:110000",
                "SEW—传动设备(天津)有限公司|org:sew|organisation",
                "New York Times|org:nyt|organisation",
            ],
        ),
        dictionary(
            "policy-terms",
            &["疏解北京非首都功能|policy:noncapital|policy", "轨道上的京津冀|policy:rail|policy"],
        ),
    ]
}

fn check(options: CompileOptions, rules: MatchRules, text: &str, tokens: &[Token], expected: &[&str]) {
    let overlapping = options.overlapping;
    for (name, engine) in engines(overlapping) {
        let engine = CompileOptions { short_aliases: options.short_aliases, ..engine };
        let gazetteer = compile(&sources(), engine).with_rules(rules);
        let found = gazetteer.find(text, tokens);
        assert_eq!(render(text, &found), expected, "engine {name} on {text:?}");
        for m in &found {
            assert!(m.span().is_valid_in(text), "{name}: span {} invalid in {text:?}", m.span());
        }
    }
}

/// `t!(name, text, expected)`: leftmost-longest with default options on every engine.
macro_rules! t {
    ($name:ident, $text:expr, $expected:expr) => {
        #[test]
        fn $name() {
            check(CompileOptions::default(), MatchRules::default(), $text, &[], $expected);
        }
    };
}

t!(gaz001_simple, "我爱北京", &["北京/province@6..12"]);
t!(gaz002_empty_text, "", &[]);
t!(gaz003_no_match, "今天天气很好", &[]);
t!(gaz004_longest_wins_over_prefix, "北京市政府", &["北京市/province@0..9"]);
t!(
    gaz005_organisation_beats_place_inside_it,
    "北京大学在北京",
    &["北京大学/organisation@0..12", "北京/province@15..21"]
);
t!(gaz006_port_group_is_not_tianjin, "天津港集团和天津", &["天津港集团/organisation@0..15", "天津/province@18..24"]);
t!(gaz007_newspaper_is_not_hebei, "河北日报记者", &["河北日报/organisation@0..12"]);
t!(gaz008_party_secretary_title_is_an_organisation, "北京市委书记尹力", &["北京市委/organisation@0..12"]);
t!(
    gaz009_policy_term_beats_places_inside,
    "紧紧抓住疏解北京非首都功能这个牛鼻子",
    &["疏解北京非首都功能/policy@12..39"]
);
t!(
    gaz010_region_inside_policy_term,
    "建设轨道上的京津冀和京津冀",
    &["轨道上的京津冀/policy@6..27", "京津冀/region@30..39"]
);
t!(gaz011_adjacent_mentions, "北京天津河北", &["北京/province@0..6", "天津/province@6..12", "河北/province@12..18"]);
t!(gaz012_short_aliases_off_by_default, "在津举行", &[]);
t!(gaz013_common_word_alone_is_not_a_place, "和平发展", &[]);
t!(gaz014_common_word_after_its_ancestor, "天津和平", &["天津/province@0..6", "和平/county@6..12"]);
t!(gaz015_common_word_after_another_place, "河北和平", &["河北/province@0..6"]);
t!(gaz016_full_name_of_common_word_counts, "和平区", &["和平区/county@0..9"]);
t!(gaz017_punctuation_in_surface, "考察SEW—传动设备(天津)有限公司", &["SEW—传动设备(天津)有限公司/organisation@6..44"]);
t!(
    gaz018_spaces_in_surface,
    "the New York Times, 北京",
    &["New York Times/organisation@4..18", "北京/province@20..26"]
);
t!(gaz019_leftmost_before_longest, "京津冀北京市委", &["京津冀/region@0..9", "北京市委/organisation@9..21"]);
t!(gaz020_mixed_scripts_and_ascii, "2024年京津冀PM2.5", &["京津冀/region@7..16"]);

#[test]
fn gaz021_short_aliases_when_enabled() {
    let options = CompileOptions { short_aliases: true, ..CompileOptions::default() };
    check(options, MatchRules::default(), "在津举行，京津冀", &[], &["津/province@3..6", "京津冀/region@15..24"]);
}

#[test]
fn gaz022_common_word_as_place_token() {
    let text = "和平发展";
    let place = [Token::new(Span::new(0, 6), PosTag::new("ns")), Token::new(Span::new(6, 12), PosTag::new("v"))];
    let rules = MatchRules { common_words: CommonWords::PlaceToken, ..MatchRules::default() };
    check(CompileOptions::default(), rules, text, &place, &["和平/county@0..6"]);
    // The default rule asks for an ancestor, whatever the tagger says.
    check(CompileOptions::default(), MatchRules::default(), text, &place, &[]);
    let noun = [Token::new(Span::new(0, 6), PosTag::new("nz")), Token::new(Span::new(6, 12), PosTag::new("v"))];
    check(CompileOptions::default(), rules, text, &noun, &[]);
}

#[test]
fn gaz029_blocked_surfaces_hide_what_is_inside_them() {
    let places = dictionary("places", &["北京|place:110000|province", "北京时间|time:beijing|time||flags=block"]);
    for (name, options) in engines(false) {
        let gazetteer = compile(std::slice::from_ref(&places), options);
        let text = "截至北京时间今天，北京";
        assert_eq!(render(text, &gazetteer.find(text, &[])), ["北京/province@27..33"], "{name}");
    }
}

#[test]
fn gaz023_common_words_always_and_never() {
    let always = MatchRules { common_words: CommonWords::Always, ..MatchRules::default() };
    check(CompileOptions::default(), always, "和平发展", &[], &["和平/county@0..6"]);
    let never = MatchRules { common_words: CommonWords::Never, ..MatchRules::default() };
    check(CompileOptions::default(), never, "天津和平", &[], &["天津/province@0..6"]);
}

#[test]
fn gaz024_token_boundaries() {
    // 北京 sits inside the token 北京人 here, so it is not a mention of the place.
    let text = "北京人和天津";
    let tokens =
        [Token::new(Span::new(0, 9), None), Token::new(Span::new(9, 12), None), Token::new(Span::new(12, 18), None)];
    let rules = MatchRules { token_boundaries: true, ..MatchRules::default() };
    check(CompileOptions::default(), rules, text, &tokens, &["天津/province@12..18"]);
    // Without tokens the option has nothing to check against.
    check(CompileOptions::default(), rules, text, &[], &["北京/province@0..6", "天津/province@12..18"]);
    // Off by default.
    check(
        CompileOptions::default(),
        MatchRules::default(),
        text,
        &tokens,
        &["北京/province@0..6", "天津/province@12..18"],
    );
}

#[test]
fn gaz025_overlapping_reports_every_match_by_span() {
    let options = CompileOptions { overlapping: true, short_aliases: true, ..CompileOptions::default() };
    check(
        options,
        MatchRules::default(),
        "北京市委",
        &[],
        &["北京/province@0..6", "北京市/province@0..9", "北京市委/organisation@0..12", "京/province@3..6"],
    );
}

#[test]
fn gaz026_aliases_share_the_canonical_entry() {
    for (name, options) in engines(false) {
        let gazetteer = compile(&sources(), options);
        let layer = gazetteer.find("河北省和河北", &[]);
        let found: Vec<_> = layer.iter().collect();
        assert_eq!(found.len(), 2, "{name}");
        assert_eq!(found[0].id(), "place:130000");
        assert_eq!(found[0].id(), found[1].id());
        assert_eq!(found[1].name(), "河北省", "{name}: the canonical name is the first surface");
        assert_eq!(found[1].dictionary(), "places");
        // Mentions point to the compiled entry instead of copying its strings: one entry, one
        // table held once by the layer.
        assert_eq!(found[0].mention().entry, found[1].mention().entry);
        assert_eq!(found[0].mention().table, found[1].mention().table);
        assert_eq!(layer.tables().len(), 1);
    }
}

#[test]
fn gaz027_the_overriding_line_wins_in_either_order() {
    let people = dictionary("people", &["黄山|person:huang-shan|person"]);
    let places = dictionary("places", &["黄山|place:341000|prefecture||flags=overrides"]);
    for sources in [[people.clone(), places.clone()], [places.clone(), people.clone()]] {
        let dictionaries = zhpipe_gazetteer::Dictionaries::parse(&sources).unwrap();
        assert_eq!(dictionaries.shadowed.len(), 1);
        let shadowed = &dictionaries.shadowed[0];
        assert_eq!(shadowed.surface, "黄山");
        assert_eq!((shadowed.location.as_str(), shadowed.lost.as_str()), ("people.tsv:2", "person:huang-shan"));
        assert_eq!((shadowed.winner.as_str(), shadowed.kept.as_str()), ("places.tsv:2", "place:341000"));
        let gazetteer = compile(&sources, CompileOptions::default());
        assert_eq!(render("黄山", &gazetteer.find("黄山", &[])), ["黄山/prefecture@0..6"]);
    }
}

#[test]
fn gaz028_entry_attributes_and_parents() {
    let people = dictionary(
        "people",
        &["王正谱|person:wang-zhengpu|person|place:130000|role=河北省委副书记、省长;flags=common"],
    );
    let places = dictionary("places", &["河北省|place:130000|province"]);
    let gazetteer = compile(&[places, people], CompileOptions::default());
    let entry = gazetteer.entry(1);
    assert_eq!(entry.id, "person:wang-zhengpu");
    assert_eq!(entry.attributes, "role=河北省委副书记、省长");
    assert_eq!(entry.parent, Some(0));
    assert_eq!(entry.dictionary, "people");
}

#[test]
fn gaz030_short_forms_within_token_do_not_straddle_two_tokens() {
    let places = dictionary(
        "places",
        &["迁安市|place:130283|county", "迁安|place:130283|county||flags=within-token", "河北|place:130000|province"],
    );
    let tokens = |spans: &[(usize, usize)]| -> Vec<Token> {
        spans.iter().map(|&(s, e)| Token::new(Span::new(s, e), None)).collect()
    };
    for (name, options) in engines(false) {
        let gazetteer = compile(std::slice::from_ref(&places), options);
        // 搬迁/安置: the short form straddles two words.
        let text = "搬迁安置";
        assert!(gazetteer.find(text, &tokens(&[(0, 6), (6, 12)])).is_empty(), "{name}");
        // Without tokens there is nothing to check against.
        assert_eq!(render(text, &gazetteer.find(text, &[])), ["迁安/county@3..9"], "{name}");
        // Inside one token (a segmenter's 河北迁安), or a token of its own, it counts.
        let text = "河北迁安";
        let found = gazetteer.find(text, &tokens(&[(0, 12)]));
        assert_eq!(render(text, &found), ["河北/province@0..6", "迁安/county@6..12"], "{name}");
        let found = gazetteer.find(text, &tokens(&[(0, 6), (6, 12)]));
        assert_eq!(render(text, &found), ["河北/province@0..6", "迁安/county@6..12"], "{name}");
        // Surfaces without the flag are not checked: 河北 straddles 河/北迁安 and counts.
        let found = gazetteer.find(text, &tokens(&[(0, 3), (3, 12)]));
        assert_eq!(render(text, &found), ["河北/province@0..6", "迁安/county@6..12"], "{name}");
        let found = gazetteer.find(text, &tokens(&[(0, 9), (9, 12)]));
        assert_eq!(render(text, &found), ["河北/province@0..6"], "{name}");
    }
}
