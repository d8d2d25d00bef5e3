//! The stage as the driver sees it, and spans on any input.

mod util;

use std::sync::LazyLock;

use proptest::prelude::*;
use zhpipe_core::{Document, Layers, Stage};
use zhpipe_gazetteer::{CompileOptions, Gazetteer, GazetteerStage, Source};

fn repo_gazetteer(options: CompileOptions) -> Gazetteer {
    let sources: Vec<Source> = util::repo_dictionaries().iter().map(|p| Source::read(p).unwrap()).collect();
    util::compile(&sources, options)
}

#[test]
fn stage_is_shared_by_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<GazetteerStage>();
}

#[test]
fn process_fills_the_mentions_layer_and_a_second_run_adds_nothing() {
    let stage = GazetteerStage::new(repo_gazetteer(CompileOptions::default()));
    let mut doc = Document::from_text("d", "河北省委书记倪岳峰在雄安新区调研");
    stage.process(&mut doc).unwrap();
    let first = util::render(&doc.text, &doc.mentions);
    assert_eq!(first, ["河北省委/organisation@0..12", "倪岳峰/person@18..27", "雄安新区/new_area@30..42"]);
    // Running again appends the same mentions, which lose to the equal ones already there.
    stage.process(&mut doc).unwrap();
    assert_eq!(util::render(&doc.text, &doc.mentions), first);
    assert_eq!(stage.descriptor().requires, Layers::TEXT);
    assert_eq!(stage.descriptor().provides, Layers::MENTIONS);
}

/// Text drawn from the dictionaries' own characters, punctuation and ASCII, so that matches,
/// near-matches and multibyte boundaries are frequent.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("北京".to_owned()),
        Just("京津冀协同发展".to_owned()),
        Just("天津和平".to_owned()),
        Just("和平".to_owned()),
        Just("河北日报".to_owned()),
        Just("雄安".to_owned()),
        "[a-z0-9 ,。、“”]{0,3}",
        "\\PC{0,3}",
    ];
    proptest::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

static LEFTMOST: LazyLock<Gazetteer> = LazyLock::new(|| repo_gazetteer(CompileOptions::default()));
static OVERLAPPING: LazyLock<Gazetteer> =
    LazyLock::new(|| repo_gazetteer(CompileOptions { overlapping: true, ..CompileOptions::default() }));

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn spans_are_in_bounds_ordered_and_name_a_surface(text in text()) {
        let mentions = LEFTMOST.find(&text, &[]);
        let mut end = 0;
        for m in &mentions {
            prop_assert!(m.span().is_valid_in(&text), "{} in {:?}", m.span(), text);
            prop_assert!(!m.span().is_empty());
            // Leftmost-longest mentions do not overlap and come in order.
            prop_assert!(m.span().start >= end);
            end = m.span().end;
        }
        let overlapping = OVERLAPPING.find(&text, &[]);
        let all: Vec<_> = overlapping.iter().collect();
        for m in &mentions {
            // Every leftmost-longest mention is also among the overlapping ones.
            prop_assert!(all.contains(&m), "{:?} missing from overlapping", m);
        }
        for pair in all.windows(2) {
            prop_assert!(pair[0].span() < pair[1].span());
        }
    }
}
