//! The compiled form: written once, loaded when nothing changed, rebuilt when anything did.

mod util;

use std::path::PathBuf;

use zhpipe_gazetteer::{CacheOutcome, CompileOptions, EngineKind, Gazetteer, Source, cache_key};

use util::{dictionary, engines, render};

const TEXT: &str = "北京大学在北京，天津和平区，雄安新区建设";

fn write_dictionaries(dir: &std::path::Path) -> Vec<PathBuf> {
    let places = dir.join("places.tsv");
    let orgs = dir.join("organisations.tsv");
    std::fs::write(&places, "surface\tid\tkind\tparent\n北京\tplace:110000\tprovince\n天津\tplace:120000\tprovince\n和平区\tplace:120101\tcounty\tplace:120000\n").unwrap();
    std::fs::write(&orgs, "surface\tid\tkind\n北京大学\torg:pku\torganisation\n").unwrap();
    vec![places, orgs]
}

fn open(paths: &[PathBuf], options: CompileOptions, cache: &std::path::Path) -> (Vec<String>, CacheOutcome) {
    let (gazetteer, outcome) = Gazetteer::open(paths, options, Some(cache)).unwrap();
    (render(TEXT, &gazetteer.find(TEXT, &[])), outcome)
}

#[test]
fn written_once_then_loaded_then_rebuilt_after_an_edit() {
    for (name, options) in engines(false) {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let paths = write_dictionaries(dir.path());
        let (first, outcome) = open(&paths, options, &cache);
        let CacheOutcome::Written(file) = outcome else { panic!("{name}: {outcome:?}") };
        assert_eq!(
            first,
            ["北京大学/organisation@0..12", "北京/province@15..21", "天津/province@24..30", "和平区/county@30..39"]
        );

        let (second, outcome) = open(&paths, options, &cache);
        assert_eq!(outcome, CacheOutcome::Loaded(file.clone()), "{name}");
        assert_eq!(second, first, "{name}");

        // Any edit to any dictionary gives a new key, hence a new file.
        let mut text = std::fs::read_to_string(&paths[0]).unwrap();
        text.push_str("雄安新区\tplace:xiongan\tnew_area\tplace:130000\n");
        std::fs::write(&paths[0], text).unwrap();
        let (third, outcome) = open(&paths, options, &cache);
        let CacheOutcome::Written(new_file) = outcome else { panic!("{name}: {outcome:?}") };
        assert_ne!(new_file, file);
        assert_eq!(third.last().unwrap(), "雄安新区/new_area@42..54", "{name}");
    }
}

#[test]
fn a_damaged_file_is_rebuilt_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let paths = write_dictionaries(dir.path());
    let (expected, outcome) = open(&paths, CompileOptions::default(), &cache);
    let CacheOutcome::Written(file) = outcome else { panic!("{outcome:?}") };
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&file, &bytes).unwrap();
    let (found, outcome) = open(&paths, CompileOptions::default(), &cache);
    assert_eq!(outcome, CacheOutcome::Written(file.clone()));
    assert_eq!(found, expected);
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let (_, outcome) = open(&paths, CompileOptions::default(), &cache);
    assert_eq!(outcome, CacheOutcome::Written(file));
}

#[test]
fn from_bytes_refuses_damage_and_foreign_keys() {
    let sources = [dictionary("places", &["北京|place:110000|province"])];
    let gazetteer = Gazetteer::from_sources(&sources, CompileOptions::default()).unwrap();
    let key = cache_key(&sources, &CompileOptions::default());
    let bytes = gazetteer.to_bytes(key);
    assert!(Gazetteer::from_bytes(&bytes, Some(key)).is_ok());
    let e = Gazetteer::from_bytes(&bytes, Some(key ^ 1)).unwrap_err();
    assert_eq!(e.to_string(), "compiled gazetteer: compiled for other dictionaries or options");
    let e = Gazetteer::from_bytes(&bytes[..bytes.len() - 1], None).unwrap_err().to_string();
    assert_eq!(
        e,
        format!("truncated compiled gazetteer: the file holds {} bytes, {} expected", bytes.len() - 1, bytes.len())
    );
    let e = Gazetteer::from_bytes(b"not a gazetteer at all, not at all", None).unwrap_err().to_string();
    assert_eq!(
        e,
        "not a compiled gazetteer: the file is text starting with `not a gazetteer at all, not at all`, \
         and a compiled gazetteer starts with `ZHPGAZET`"
    );
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let e = Gazetteer::from_bytes(&flipped, None).unwrap_err().to_string();
    assert!(e.starts_with("corrupt compiled gazetteer: the checksum of its contents does not match"), "{e}");
    // A cache of another format version (the version follows the eight-byte magic).
    let mut other = bytes.clone();
    let version = u32::from_le_bytes(other[8..12].try_into().unwrap());
    other[8..12].copy_from_slice(&(version - 1).to_le_bytes());
    let e = Gazetteer::from_bytes(&other, Some(key)).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!(
            "compiled gazetteer format version {}, but this build reads version {version}; rebuild it",
            version - 1
        )),
        "{e}"
    );
}

#[test]
fn key_depends_on_contents_engine_and_options() {
    let a = [dictionary("places", &["北京|place:110000|province"])];
    let b = [dictionary("places", &["北京|place:110000|province", "天津|place:120000|province"])];
    let renamed = [Source { name: "other".into(), ..a[0].clone() }];
    let base = CompileOptions::default();
    let keys = [
        cache_key(&a, &base),
        cache_key(&b, &base),
        cache_key(&renamed, &base),
        cache_key(&a, &CompileOptions { engine: EngineKind::AhoCorasick, ..base }),
        cache_key(&a, &CompileOptions { overlapping: true, ..base }),
        cache_key(&a, &CompileOptions { short_aliases: true, ..base }),
    ];
    for i in 0..keys.len() {
        for j in i + 1..keys.len() {
            assert_ne!(keys[i], keys[j], "keys {i} and {j}");
        }
    }
    assert_eq!(cache_key(&a, &base), cache_key(&a.clone(), &base));
}

#[test]
fn round_trip_keeps_every_mention_for_every_engine_and_mode() {
    let sources: Vec<Source> = util::repo_dictionaries().iter().map(|p| Source::read(p).unwrap()).collect();
    let text = "北京市委书记尹力、天津市委书记陈敏尔在津举行京津冀协同发展座谈会，推进雄安新区和北京城市副中心建设。";
    for overlapping in [false, true] {
        for (name, options) in engines(overlapping) {
            let options = CompileOptions { short_aliases: true, ..options };
            let built = Gazetteer::from_sources(&sources, options).unwrap();
            let loaded = Gazetteer::from_bytes(&built.to_bytes(7), Some(7)).unwrap();
            assert_eq!(loaded.options(), options);
            assert_eq!(loaded.pattern_count(), built.pattern_count());
            let expected = built.find(text, &[]);
            assert!(!expected.is_empty());
            assert_eq!(loaded.find(text, &[]), expected, "{name}, overlapping {overlapping}");
        }
    }
}

#[test]
fn an_unwritable_cache_directory_is_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_dictionaries(dir.path());
    // A file where the directory should be.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, b"").unwrap();
    let (gazetteer, outcome) = Gazetteer::open(&paths, CompileOptions::default(), Some(&blocked)).unwrap();
    assert!(matches!(outcome, CacheOutcome::NotWritten(_)), "{outcome:?}");
    assert_eq!(gazetteer.find("北京", &[]).len(), 1);
}

#[test]
fn the_stage_reports_what_its_cache_did() {
    use zhpipe_gazetteer::{GazetteerConfig, GazetteerStage};
    let dir = tempfile::tempdir().unwrap();
    let paths = write_dictionaries(dir.path());
    let config = GazetteerConfig::default();
    let stage = GazetteerStage::open(&config, &paths, None).unwrap();
    assert_eq!(stage.cache_outcome(), &CacheOutcome::Disabled);
    let cache = dir.path().join("cache");
    let stage = GazetteerStage::open(&config, &paths, Some(cache.clone())).unwrap();
    assert!(matches!(stage.cache_outcome(), CacheOutcome::Written(_)), "{:?}", stage.cache_outcome());
    let stage = GazetteerStage::open(&config, &paths, Some(cache)).unwrap();
    assert!(matches!(stage.cache_outcome(), CacheOutcome::Loaded(_)), "{:?}", stage.cache_outcome());
    assert_eq!(stage.gazetteer().entry_count(), 4);
}
