//! One test per kind of removal, and the things that must stay.
//!
//! Each case: input, expected text, and the kinds of the removed blocks in order (the stage runs
//! with `keep_removed = true`).

use zhpipe_clean::{Clean, CleanConfig, Layout};
use zhpipe_core::{Document, Registry, Stage, StageSpec};

fn stage(layout: Layout) -> Clean {
    let config = CleanConfig { keep_removed: true, layout, ..CleanConfig::default() };
    Clean::new(&config, ".".as_ref()).unwrap()
}

fn clean_with(layout: Layout, text: &str) -> Document {
    let mut doc = Document::from_text("t", text);
    stage(layout).process(&mut doc).unwrap();
    doc
}

fn clean(text: &str) -> Document {
    clean_with(Layout::Auto, text)
}

fn kinds(doc: &Document) -> Vec<&str> {
    doc.removed.iter().map(|r| r.kind.as_str()).collect()
}

macro_rules! t {
    ($name:ident, $input:expr, $text:expr, $kinds:expr) => {
        #[test]
        fn $name() {
            let doc = clean($input);
            assert_eq!(doc.text, $text);
            let expected: &[&str] = $kinds;
            assert_eq!(kinds(&doc), expected);
            // Every removal is counted in a note by kind.
            for kind in expected {
                let note = doc.notes.iter().find(|n| n.kind == format!("removed-{kind}"));
                let count = expected.iter().filter(|k| k == &kind).count() as u64;
                assert_eq!(note.and_then(|n| n.count), Some(count), "note for {kind}");
            }
        }
    };
}

const BODY: &str = "京津冀协同发展取得新的显著成效。";

t!(clean001_breadcrumb, "当前位置:首页 > 省部要闻\n京津冀协同发展取得新的显著成效。", BODY, &["breadcrumb"]);
t!(clean002_breadcrumb_arrow, "首页 > 新闻中心 > 要闻\n京津冀协同发展取得新的显著成效。", BODY, &["breadcrumb"]);
t!(
    clean003_header_fields,
    "  • 发布日期:2024-05-14 16:41:21\n  • 访问量:?\n  • 来源: 河北省人民政府网站\n京津冀协同发展取得新的显著成效。",
    BODY,
    &["header", "header", "header"]
);
t!(
    clean004_header_date_then_source,
    "2022年02月26日12:29  來源:河北新聞網\n京津冀协同发展取得新的显著成效。",
    BODY,
    &["header"]
);
t!(clean005_editor, "京津冀协同发展取得新的显著成效。\n责任编辑：刘万里 SF014", BODY, &["editor"]);
t!(clean006_editor_in_parentheses, "京津冀协同发展取得新的显著成效。\n(責編:何美萱、施云娟)", BODY, &["editor"]);
t!(
    clean007_widgets,
    "京津冀协同发展取得新的显著成效。\n排行榜一天一周一月\n微信\n\n微博\n分享\n返回\n頂部\n關閉\n登錄人民網通行證    立即注冊\n忘記密碼?",
    BODY,
    &["widget"; 9]
);
t!(
    clean008_app_download,
    "京津冀协同发展取得新的显著成效。\n海量资讯、精准解读，尽在新浪财经APP",
    BODY,
    &["app-download"]
);
t!(
    clean009_link_farm,
    "京津冀协同发展取得新的显著成效。\n库伦旗| 夏津县| 朝阳市| 高尔夫| 方城县| 吉木萨尔县| 花垣县|",
    BODY,
    &["link-farm"]
);
t!(
    clean010_caption,
    "5月11日至12日,2024年京津冀党政主要领导座谈会在津举行。 河北日报记者赵海江摄\n京津冀协同发展取得新的显著成效。",
    BODY,
    &["caption"]
);
t!(
    clean011_repeated_title,
    "座谈会在津举行\n\n  • 来源: 河北新闻网\n\n座谈会在津举行\n京津冀协同发展取得新的显著成效。",
    "座谈会在津举行\n京津冀协同发展取得新的显著成效。",
    &["header", "repeated-title"]
);
t!(
    clean012_original_title,
    "座谈会在津举行\n原标题:座谈会在津举行\n京津冀协同发展取得新的显著成效。",
    "座谈会在津举行\n京津冀协同发展取得新的显著成效。",
    &["repeated-title"]
);
t!(clean013_pinyin, "京津冀協(xié)同發(fā)展", "京津冀協同發展", &["pinyin", "pinyin"]);
t!(clean014_symbols, "京津冀协同发展取得新的显著成效。\n* * *\n|", BODY, &["symbols", "symbols"]);
t!(clean015_front_matter, "---\ntitle: 标题\n---\n京津冀协同发展取得新的显著成效。", BODY, &["front-matter"]);
t!(
    clean016_html_parts,
    "<p>京津冀协同发展取得新的显著成效。</p><script>x()</script><style>p{}</style><!-- c --><iframe src=a></iframe>",
    BODY,
    &["html-script", "html-style", "html-comment", "html-embed"]
);
t!(
    clean017_html_navigation_and_forms,
    "<nav>首页 新闻</nav><form><p>京津冀协同发展取得新的显著成效。</p><input name=q><button>搜索</button></form>",
    BODY,
    &["html-navigation", "html-form", "html-form"]
);
t!(
    clean018_pdf_furniture,
    "政治学习资料\n\n23 第 22 期\n\n2023 年 5 月\n\n标题\n\n习近平强调，按照党中央决策部署，京津\n\n冀3省市切实履行主体责任。\n\n- 2 -\n\n下一段。",
    "标题\n习近平强调，按照党中央决策部署，京津冀3省市切实履行主体责任。\n下一段。",
    &["furniture", "furniture", "header", "furniture"]
);
t!(
    clean019_pdf_cover,
    "某某职业技术学院\n\n宣传统战部编印\n\n标题\n\n正文，第一句。",
    "标题\n正文，第一句。",
    &["cover", "furniture"]
);

// What must stay.
t!(
    stay001_reporters_in_parentheses,
    "河北新闻网讯(河北日报记者四建磊、吴韬)5月11日至12日,座谈会在津举行。",
    "河北新闻网讯（河北日报记者四建磊、吴韬）5月11日至12日，座谈会在津举行。",
    &[]
);
t!(stay002_end_mark, "参加会议。(完)", "参加会议。（完）", &[]);
t!(stay003_year, "规划纲要（2024年）已印发。", "规划纲要（2024年）已印发。", &[]);
t!(stay004_pm25, "2021年河北省PM2.5平均浓度38.8微克/立方米。", "2021年河北省PM2.5平均浓度38.8微克/立方米。", &[]);
t!(stay005_quoted_numbers, "雄安“1+4+26”规划体系编制完成。", "雄安“1+4+26”规划体系编制完成。", &[]);
t!(
    stay006_attributions_repeat,
    "第一段。\n——2014年2月26日,习近平的讲话\n第二段。\n——2014年2月26日,习近平的讲话",
    "第一段。\n——2014年2月26日，习近平的讲话\n第二段。\n——2014年2月26日，习近平的讲话",
    &[]
);
t!(
    stay007_headings_not_joined_in_web_layout,
    "凝心聚力奋进新征程\n在对接京津中加快高质量发展\n王正谱主持 廉毅敏出席",
    "凝心聚力奋进新征程\n在对接京津中加快高质量发展\n王正谱主持 廉毅敏出席",
    &[]
);
t!(stay008_time_is_not_a_header, "时间：5月12日上午9时\n地点：北京", "时间：5月12日上午9时\n地点：北京", &[]);
t!(stay009_share_economy, "分享经济\n共享发展。", "分享经济\n共享发展。", &[]);
t!(stay010_pipe_in_text, "甲|乙两方协商一致。", "甲|乙两方协商一致。", &[]);
t!(
    stay011_enumeration_not_joined,
    "23 第 22 期\n\n主要任务包括：\n\n一是加强协同；\n\n二是推进改革。",
    "主要任务包括：\n一是加强协同；\n二是推进改革。",
    &["furniture"]
);

#[test]
fn metadata_is_collected() {
    let doc = clean(
        "当前阅读:河北省召开座谈会\n\n2022年02月26日12:29  來源:河北新聞網\n河北省召开座谈会\n正文。\n2月25日,会议现场。河北日报记者趙威攝\n(責編:何美萱、施云娟)\n责任编辑：刘万里 SF014",
    );
    assert_eq!(doc.text, "河北省召开座谈会\n正文。");
    let meta = &doc.meta;
    assert_eq!(meta.title.as_deref(), Some("河北省召开座谈会"));
    assert_eq!(meta.published.as_deref(), Some("2022-02-26T12:29:00"));
    assert_eq!(meta.source.as_deref(), Some("河北新聞網"));
    assert_eq!(meta.editors, ["何美萱", "施云娟", "刘万里"]);
    assert_eq!(meta.captions, ["2月25日，会议现场。河北日报记者趙威攝"]);
}

#[test]
fn figcaption_goes_to_captions() {
    let doc = clean(
        "<figure><img src=a.jpg><figcaption>会议现场。</figcaption></figure><p>京津冀协同发展取得新的显著成效。</p>",
    );
    assert_eq!(doc.text, BODY);
    assert_eq!(doc.meta.captions, ["会议现场。"]);
}

#[test]
fn removed_blocks_are_kept_only_when_asked() {
    let text = "当前位置:首页 > 省部要闻\n京津冀协同发展取得新的显著成效。";
    let mut doc = Document::from_text("t", text);
    Clean::bundled().process(&mut doc).unwrap();
    assert!(doc.removed.is_empty());
    assert_eq!(doc.notes.iter().find(|n| n.kind == "removed-breadcrumb").and_then(|n| n.count), Some(1));
    let doc = clean(text);
    assert_eq!(doc.removed[0].text, "当前位置：首页 > 省部要闻");
}

#[test]
fn web_layout_never_joins_and_pdf_layout_always_does() {
    let text = "第一行，没有完\n\n接着写完。";
    assert_eq!(clean_with(Layout::Web, text).text, "第一行，没有完\n接着写完。");
    assert_eq!(clean_with(Layout::Pdf, text).text, "第一行，没有完接着写完。");
    assert_eq!(clean_with(Layout::Auto, text).text, "第一行，没有完\n接着写完。");
}

#[test]
fn invalid_front_matter_is_noted_and_removed() {
    let doc = clean("---\ntitle: [unclosed\n---\n正文。");
    assert_eq!(doc.text, "正文。");
    let note = doc.notes.iter().find(|n| n.kind == "invalid-front-matter").expect("note");
    assert!(note.message.starts_with("invalid YAML front matter"), "{}", note.message);
}

#[test]
fn empty_result_is_noted_not_an_error() {
    let doc = clean("<script>x()</script>\n微信\n微博");
    assert_eq!(doc.text, "");
    assert!(doc.notes.iter().any(|n| n.kind == "empty"));
}

#[test]
fn stage_is_built_from_config_and_refuses_unknown_keys() {
    let mut registry = Registry::new();
    zhpipe_clean::register(&mut registry);
    assert!(registry.contains("clean"));
    let spec = StageSpec::from_toml("clean", "keep_removed = true\nlayout = \"pdf\"", ".").unwrap();
    let entry_err = |keys: &str| {
        let spec = StageSpec::from_toml("clean", keys, ".").unwrap();
        spec.parse::<CleanConfig>().unwrap_err().message().to_owned()
    };
    let config: CleanConfig = spec.parse().unwrap();
    assert!(config.keep_removed);
    assert_eq!(config.layout, Layout::Pdf);
    assert!(entry_err("keep_remove = true").contains("unknown field `keep_remove`"));
    assert!(entry_err("layout = \"scan\"").contains("unknown variant `scan`"));
}

#[test]
fn missing_rules_file_is_a_config_error_naming_it() {
    let config = CleanConfig { rules: Some("no/such/rules.toml".into()), ..CleanConfig::default() };
    let err = Clean::new(&config, "/base".as_ref()).unwrap_err();
    assert!(err.message().starts_with("/base/no/such/rules.toml: cannot read clean rules"), "{}", err.message());
}

#[test]
fn user_rules_extend_the_bundled_ones() {
    let rules = zhpipe_clean::BUNDLED_RULES
        .replace("\"人民网通行证\", \"人民網通行證\",", "\"人民网通行证\", \"人民網通行證\", \"我要投稿\",");
    let stage = Clean::with_rules(&CleanConfig::default(), &rules, "my.toml").unwrap();
    let mut doc = Document::from_text("t", "京津冀协同发展取得新的显著成效。\n我要投稿");
    stage.process(&mut doc).unwrap();
    assert_eq!(doc.text, BODY);
    let mut doc = Document::from_text("t", "京津冀协同发展取得新的显著成效。\n我要投稿");
    Clean::bundled().process(&mut doc).unwrap();
    assert_eq!(doc.text, format!("{BODY}\n我要投稿"));
}

const PAGE: &str = r#"<!DOCTYPE html><html><head><title>座谈会在津举行_新闻中心</title></head><body>
<div class="nav"><a href="/">首页</a> | <a href="/news">新闻中心</a> | <a href="/gov">政务公开</a></div>
<div class="header"><h1>座谈会在津举行</h1><div class="info"><span>2024-05-14 16:41:21</span> <span>来源：河北日报</span></div></div>
<div class="article-content">
<p>5月11日至12日，2024年京津冀党政主要领导座谈会在津举行，认真贯彻落实重要论述。</p>
<p>会议要求，京津冀三省市要共同抓好本次座谈会成果落地落实，形成全面协同、深度融合的工作格局。</p>
<p>会议确定，2025年京津冀党政主要领导座谈会将在河北省召开。</p>
</div>
<div class="comment-list">
<div class="comment"><p>网友甲：说得好，支持，期待，点赞，加油，必须的，没错，好好好。</p></div>
<div class="comment"><p>网友乙：说得好，支持，期待，点赞，加油，必须的，没错，好好好。</p></div>
<div class="comment"><p>网友丙：说得好，支持，期待，点赞，加油，必须的，没错，好好好。</p></div>
<div class="comment"><p>网友丁：说得好，支持，期待，点赞，加油，必须的，没错，好好好。</p></div>
</div>
<div class="links"><a href="/1">相关新闻一：京津冀协同发展十周年，成果丰硕，前景广阔</a><a href="/2">相关新闻二：雄安新区建设，取得重大阶段性成果，继续推进</a></div>
</body></html>"#;

#[test]
fn full_page_keeps_only_the_article_element() {
    let doc = clean(PAGE);
    assert_eq!(
        doc.text,
        "5月11日至12日，2024年京津冀党政主要领导座谈会在津举行，认真贯彻落实重要论述。\n\
         会议要求，京津冀三省市要共同抓好本次座谈会成果落地落实，形成全面协同、深度融合的工作格局。\n\
         会议确定，2025年京津冀党政主要领导座谈会将在河北省召开。"
    );
    // The header outside the article still gives the date and source.
    assert_eq!(doc.meta.published.as_deref(), Some("2024-05-14T16:41:21"));
    assert_eq!(doc.meta.source.as_deref(), Some("河北日报"));
    assert_eq!(doc.meta.title.as_deref(), Some("座谈会在津举行_新闻中心"));
    // Nothing is dropped silently: the rest of the page is one removed block.
    let outside = doc.removed.iter().find(|r| r.kind == "html-outside-article").expect("outside block");
    assert!(outside.text.contains("网友甲"), "{}", outside.text);
}

#[test]
fn extraction_can_be_turned_off() {
    let config = CleanConfig { extract_main: false, ..CleanConfig::default() };
    let mut doc = Document::from_text("t", PAGE);
    Clean::new(&config, ".".as_ref()).unwrap().process(&mut doc).unwrap();
    assert!(doc.text.contains("网友甲"));
    assert!(doc.text.contains("会议确定"));
}

#[test]
fn first_line_repeats_collapse_even_when_the_title_came_from_elsewhere() {
    // The title is known from <title>; the page's first line repeats further down. Cleaning the
    // output again infers the title from the first line, so both must collapse the first time.
    let doc = clean("<title>页面标题</title><p>要闻</p><p>第一段正文。</p><p>要闻</p><p>第二段正文。</p>");
    assert_eq!(doc.text, "要闻\n第一段正文。\n第二段正文。");
    assert_eq!(doc.meta.title.as_deref(), Some("页面标题"));
    assert_eq!(clean(&doc.text).text, doc.text);
}
