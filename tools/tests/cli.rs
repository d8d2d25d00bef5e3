//! Every subcommand of `zhpipe-tools` run on the small fixtures under `tests/fixtures/`, written
//! for these tests; the expected scores are worked out by hand in the comments.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

struct Output {
    success: bool,
    stdout: String,
    stderr: String,
}

fn tools(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_zhpipe-tools"))
        .args(args.iter().map(|a| a.as_ref()))
        .env_remove("ZHPIPE_BENCH_CORPUS")
        .output()
        .expect("zhpipe-tools runs");
    Output {
        success: output.status.success(),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 errors"),
    }
}

fn ok(args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let out = tools(args);
    assert!(out.success, "failed\nstdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    out.stdout
}

fn has_line(stdout: &str, line: &str) {
    assert!(stdout.lines().any(|l| l == line), "no line {line:?} in\n{stdout}");
}

#[test]
fn eval_decode_counts_right_and_wrong_answers_per_expected_encoding() {
    // GB18030/ holds a GBK page declaring its charset, UTF-8/ a UTF-8 text, Big5/ a UTF-8 text
    // (a wrong expectation on purpose), notes/readme names no encoding and is skipped.
    let dir = fixture("decode");
    let out = tools(&[&"eval", &"decode", &dir]);
    assert!(out.success, "{}", out.stderr);
    has_line(&out.stdout, "| Big5 | 1 | 0 | 0% | UTF-8 ×1 |");
    has_line(&out.stdout, "| GB18030 | 1 | 1 | 100% |  |");
    has_line(&out.stdout, "| UTF-8 | 1 | 1 | 100% |  |");
    has_line(&out.stdout, "| **all** | 3 | 2 | 66.7% | |");
    has_line(&out.stdout, "1 files skipped: no encoding named by their directory or stem");
    assert!(out.stderr.contains("Big5: wrong on actually-utf8.txt"), "{}", out.stderr);
    // --expect overrides the directories: every file is expected in UTF-8; the GBK page is then
    // wrong and readme (ASCII, valid UTF-8) is right.
    let out = ok(&[&"eval", &"decode", &dir, &"--expect", &"UTF-8"]);
    has_line(&out, "| **all** | 4 | 3 | 75.0% | |");
}

#[test]
fn eval_clean_scores_the_extracted_text_against_the_reference() {
    // The stage keeps the navigation (首页新闻) and footer (版权所有) of this small page beside its
    // 32 letters of article; the reference has the article and 河北: 40 letters ours, 34 gold,
    // 32 in common either way. P = 32/40 = 0.800, R = 32/34 = 0.941, F1 = 64/74 = 0.865.
    let out = tools(&[&"eval", &"clean", &fixture("clean")]);
    assert!(out.success, "{}", out.stderr);
    let row = "tests/site/1.html                34      40  0.800 0.941 0.865  0.800 0.941 0.865";
    has_line(&out.stdout, row);
    has_line(&out.stdout, "mean over 1 pages                            0.800 0.941 0.865  0.800 0.941 0.865");
    assert!(out.stderr.contains("missing.html") && out.stderr.contains("skipped"), "{}", out.stderr);
}

#[test]
fn eval_convert_compares_golden_outputs_and_fails_on_a_difference() {
    let out = ok(&[&"eval", &"convert", &fixture("convert")]);
    for profile in ["s2t  ", "s2tw ", "s2twp", "s2hk "] {
        let line =
            out.lines().find(|l| l.starts_with(&format!("golden {profile}:"))).unwrap_or_else(|| panic!("{out}"));
        assert!(line.contains(": 2 of 2 lines identical, whole file identical (built in "), "{line}");
    }
    assert!(out.lines().any(|l| l.starts_with("zuozhuan s2t: 0.0 MB → 0.0 MB in ")), "{out}");

    // s2hk does not turn 软件 into 軟體: a golden file that says so is one differing line.
    let dir = tempfile::tempdir().unwrap();
    for sub in ["golden/input", "golden/output", "benchmark"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(fixture("convert").join(sub)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(dir.path().join("golden/output/us_constitution_zhs.s2hk.txt"), "國家發展\n軟體開發\n").unwrap();
    let out = tools(&[&"eval", &"convert", &dir.path()]);
    assert!(!out.success);
    assert!(out.stdout.contains("golden s2hk : 1 of 2 lines identical (built in "), "{}", out.stdout);
    assert!(out.stdout.contains("  line 2:\n    expected 軟體開發\n    actual   軟件開發\n"), "{}", out.stdout);
    assert!(out.stderr.contains("eval convert: golden outputs differ: s2hk"), "{}", out.stderr);
}

#[test]
fn eval_segment_scores_spans_against_the_gold_words() {
    // Gold: 甲乙 丙丁. With the word list {甲乙, 乙丙丁} alone, forward maximum matching gives
    // 甲乙/丙/丁: 1 of 3 words right against 2 gold, P = 1/3, R = 1/2, F1 = (1/3)/(5/6) = 0.4;
    // backward gives 甲/乙丙丁, nothing right.
    let dir = fixture("segment");
    let words = dir.join("words.utf8");
    let out = tools(&[&"eval", &"segment", &dir, &"--corpus", &"tiny", &"--user-dict", &words]);
    assert!(out.success, "{}", out.stderr);
    let row = |setting: &str, scores: &str| {
        let prefix = format!("| tiny | segment-mm | {setting} | words.utf8 alone | {scores} | ");
        assert!(out.stdout.lines().any(|l| l.starts_with(&prefix)), "no row {prefix:?} in\n{}", out.stdout);
    };
    row("forward", "0.333 | 0.500 | 0.400");
    row("backward", "0.000 | 0.000 | 0.000");
    // Nine settings for each of three dictionaries, after the two heading lines.
    assert_eq!(out.stdout.lines().count(), 2 + 9 * 3, "{}", out.stdout);
    assert!(out.stderr.contains("tiny: 1 lines, 4 characters"), "{}", out.stderr);

    let out = tools(&[&"eval", &"segment", &dir, &"--corpus", &"missing"]);
    assert!(!out.success);
    assert!(out.stderr.contains("missing_test.utf8"), "{}", out.stderr);
}

#[test]
fn eval_gazetteer_counts_mentions_by_kind_and_dictionary() {
    // a.txt: 河北省, 雄安新区, 国务院, 河北; b.txt: nothing.
    let out = ok(&[
        &"eval",
        &"gazetteer",
        &fixture("gazetteer/corpus"),
        &"--config",
        &fixture("gazetteer/pipeline.toml"),
        &"--sample",
        &"2",
    ]);
    assert!(out.contains(" (2 files, 0.0 MB after the config's stages before the gazetteer)"), "{out}");
    has_line(&out, "dictionaries: 3 entries, 4 surfaces");
    has_line(&out, "mentions: 4");
    has_line(&out, "  new_area       1");
    has_line(&out, "  organisation   1");
    has_line(&out, "  province       2");
    has_line(&out, "  organisations  1");
    has_line(&out, "  places         3");
    has_line(&out, "(no tokens: the config has no segment stage)");
    let sample: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("sample of 2 place mentions")).skip(1).collect();
    assert_eq!(sample.len(), 2, "{out}");
    assert!(
        sample.iter().all(|l| l.starts_with("  province\tplace:130000\t") || l.starts_with("  new_area\t")),
        "{out}"
    );
}

fn classify_inputs() -> Vec<PathBuf> {
    vec![fixture("classify/labelled.jsonl"), fixture("classify/themes.toml"), fixture("classify/pipeline.toml")]
}

#[test]
fn eval_classify_scores_the_lexicon_by_hand() {
    // The lexicon: 铁路 → transport, 治污 → ecology, else other. Sentences (gold → lexicon):
    // transport → transport; ecology → ecology; transport → transport + ecology;
    // other → other; transport → other.
    // transport: tp 2, fn 1: P 1.00, R 0.67, F1 0.80. ecology: tp 1, fp 1: P 0.50, R 1.00,
    // F1 0.67. other: tp 1, fp 1: the same. Micro: tp 4, fp 2, fn 1: P 0.67, R 0.80,
    // F1 8/11 = 0.727. Macro: (0.8 + 2/3 + 2/3) / 3 = 0.711.
    let [data, themes, config] = &classify_inputs()[..] else { unreachable!() };
    let out = ok(&[&"eval", &"classify", &"--data", data, &"--themes", themes, &"--config", config, &"--errors"]);
    assert!(out.starts_with("leave-one-document-out cross-validation over "), "{out}");
    assert!(out.contains("(5 sentences, 2 documents; text prepared by text only (character bigrams))"), "{out}");
    let starts = |prefix: &str| assert!(out.lines().any(|l| l.starts_with(prefix)), "no {prefix:?} in\n{out}");
    starts("| transport | 3 | 1.00 | 0.67 | 0.80 |");
    starts("| ecology | 1 | 0.50 | 1.00 | 0.67 |");
    starts("| other | 1 | 0.50 | 1.00 | 0.67 |");
    starts("| **micro** | 5 | 0.67 | 0.80 | **0.727** |");
    starts("| **macro F1** | | | | **0.711** |");
    has_line(&out, "lexicon\tgold transport\tgot ecology,transport\t铁路沿线开展治污行动。");
    has_line(&out, "lexicon\tgold transport\tgot other\t新建一条高速公路。");

    // Two folds of two documents is leaving one out again, under another name.
    let out = ok(&[&"eval", &"classify", &"--data", data, &"--themes", themes, &"--config", config, &"--folds", &"2"]);
    assert!(out.starts_with("2-fold cross-validation by document over "), "{out}");
    // Scored on a test file: the same sentences, so the lexicon's scores do not change.
    let out = ok(&[&"eval", &"classify", &"--data", data, &"--themes", themes, &"--config", config, &"--test", data]);
    assert!(out.contains("(5 sentences), models trained on "), "{out}");
    assert!(out.lines().any(|l| l.starts_with("| **macro F1** | | | | **0.711** |")), "{out}");
}

#[test]
fn a_malformed_labelled_line_is_an_error_naming_the_file_and_the_line() {
    let [_, themes, config] = &classify_inputs()[..] else { unreachable!() };
    let bad = fixture("classify/bad.jsonl");
    let out = tools(&[&"eval", &"classify", &"--data", &bad, &"--themes", themes, &"--config", config]);
    assert!(!out.success);
    let expected = format!("eval classify: {}:3: EOF while parsing an object", bad.display());
    assert!(out.stderr.starts_with(&expected), "{}", out.stderr);

    // A label outside the taxonomy, in a file given with --add, on its second line.
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("extra.jsonl");
    std::fs::write(
        &extra,
        "{\"doc\": \"d3\", \"text\": \"铁路\", \"labels\": [\"transport\"]}\n{\"doc\": \"d3\", \"text\": \"x\", \"labels\": [\"sport\"]}\n",
    )
    .unwrap();
    let data = fixture("classify/labelled.jsonl");
    let out =
        tools(&[&"train", &"classify", &"--data", &data, &"--add", &extra, &"--themes", themes, &"--config", config]);
    assert!(!out.success);
    let expected =
        format!("train classify: {}:2: unknown label `sport`; labels are: transport, ecology, other", extra.display());
    assert!(out.stderr.starts_with(&expected), "{}", out.stderr);
}

#[test]
fn train_classify_writes_a_model_the_stage_loads() {
    let [data, themes, config] = &classify_inputs()[..] else { unreachable!() };
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("themes.model");
    let out = ok(&[&"train", &"classify", &"--data", data, &"--themes", themes, &"--config", config, &"--out", &model]);
    let expected = format!("{}: 5 sentences from 2 documents (text only (character bigrams)), ", model.display());
    assert!(out.starts_with(&expected), "{out}");
    let loaded = zhpipe_classify::TrainedModel::load(&model).expect("the written model loads");
    assert_eq!(loaded.data().trained_on, (5, 2));
}

#[test]
fn dictionaries_builds_places_from_the_division_tables() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("places.tsv");
    let shared = fixture("dictionaries");
    let jieba = shared.join("dict.txt");
    let out = ok(&[&"dictionaries", &shared, &"--jieba-dict", &jieba, &"--out", &out_path]);
    // 1 alias (大厂) derived by stripping 回族自治县; common: 朝阳 (a frequent nz word in dict.txt)
    // and 台前 (a county's short form outside Beijing-Tianjin-Hebei).
    assert!(
        out.contains(": 72 lines and 3 countries, 46 entries, 80 surfaces (2 flagged common, 0 ambiguous full names, 0 ambiguous aliases left out, 1 aliases derived from cpca's nations)"),
        "{out}"
    );
    let tsv = std::fs::read_to_string(&out_path).unwrap();
    for line in [
        "河北省\tplace:130000\tprovince\t\t",
        "河北\tplace:130000\tprovince\t\t",
        "冀\tplace:130000\tprovince\t\tflags=short",
        "保定\tplace:130600\tprefecture\tplace:130000\tflags=within-token",
        "大厂\tplace:131028\tcounty\tplace:131000\tflags=within-token",
        "朝阳\tplace:110105\tcounty\tplace:110000\tflags=common",
        "台前\tplace:410927\tcounty\tplace:410900\tflags=common",
        "安新镇\tplace:130632100\ttown\tplace:130632\t",
        "东京\tcity:东京\tcity\tcountry:日本\t",
    ] {
        assert!(tsv.lines().any(|l| l == line), "no line {line:?} in\n{tsv}");
    }
    // Towns outside Beijing-Tianjin-Hebei and the municipalities' placeholder cities are left out.
    assert!(!tsv.contains("濮城镇") && !tsv.contains("市辖区"), "{tsv}");

    let out = tools(&[&"dictionaries", &dir.path(), &"--out", &out_path]);
    assert!(!out.success);
    assert!(out.stderr.contains("provinces.csv"), "{}", out.stderr);
}

#[test]
fn measure_segment_counts_tokens_of_one_setting_and_times_all() {
    // 我们/在/北京/工作/。 and, for bare jieba, the line end: 6 tokens; 8 characters of 3 bytes
    // and the line end: 25 bytes.
    let text = fixture("measure.txt");
    has_line(&ok(&[&"measure", &"segment", &"cut", &text]), "cut: 6 tokens over 25 bytes");
    has_line(&ok(&[&"measure", &"segment", &"untagged-nohmm", &text]), "untagged-nohmm: 5 tokens over 25 bytes");
    let out = ok(&[&"measure", &"segment", &"time", &text]);
    let names: Vec<&str> = out.lines().map(|l| l.split_whitespace().next().unwrap_or("")).collect();
    assert_eq!(names, ["cut", "cut-docs", "tag", "untagged", "untagged-docs", "tagged-docs", "tagged-cold-docs"]);
    assert!(out.lines().next().unwrap().contains(" MiB/s  1.000 of cut  "), "{out}");

    let out = tools(&[&"measure", &"segment", &"fast", &text]);
    assert!(!out.success);
    assert!(out.stderr.contains("invalid value 'fast'"), "{}", out.stderr);
}

#[test]
fn help_lists_every_subcommand() {
    let out = ok(&[&"--help"]);
    for command in ["eval", "train", "dictionaries", "measure"] {
        assert!(out.contains(&format!("  {command} ")), "{out}");
    }
    let out = ok(&[&"eval", &"--help"]);
    for stage in ["decode", "clean", "convert", "segment", "gazetteer", "classify"] {
        assert!(out.contains(&format!("  {stage} ")), "{out}");
    }
}

#[test]
fn train_ner_writes_a_model_that_eval_ner_scores_beside_the_baselines() {
    // train.pku: four sentences written for this test, in the PKU convention (`王/nr 小明/nr`
    // is one person, the bracket one organisation); gold.bio: one sentence whose person (赵志强)
    // and place (沧州) the training text never names.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("ner.model");
    let out = ok(&[
        &"train",
        &"ner",
        &fixture("ner/train.pku"),
        &"--output",
        &model,
        &"--min-count",
        &"1",
        &"--epochs",
        &"4",
        &"--exclude",
        &fixture("ner/gold.bio"),
    ]);
    has_line(&out, &format!("left out 0 paragraphs that hold a sentence of {}", fixture("ner/gold.bio").display()));
    // Three names a sentence: an organisation, a person and a place.
    assert!(out.contains("4 paragraphs, ") && out.contains(" 12 names "), "{out}");
    assert!(out.lines().any(|l| l.starts_with("epoch  4: ")), "{out}");
    assert!(model.is_file());
    let out =
        ok(&[&"eval", &"ner", &fixture("ner/gold.bio"), &"--model", &model, &"--output", &dir.path().join("p.bio")]);
    assert!(out.contains("trained on train.pku (4 sentences"), "{out}");
    has_line(&out, "| gazetteer alone | PER | 0.000 | 0.000 | 0.000 |");
    for system in ["gazetteer alone", "jieba POS tags", "ner tagger alone", "ner stage"] {
        assert!(out.lines().any(|l| l.starts_with(&format!("| {system} | all | "))), "{system} missing in\n{out}");
    }
    let predicted = std::fs::read_to_string(dir.path().join("p.bio")).unwrap();
    assert_eq!(predicted.lines().filter(|l| !l.is_empty()).count(), 14, "one line per character of the gold");
}

#[test]
fn train_ner_refuses_a_bad_corpus_line_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = tools(&[&"train", &"ner", &fixture("ner/bad.pku"), &"--output", &dir.path().join("m")]);
    assert!(!out.success);
    assert!(out.stderr.contains("bad.pku: line 2: expected `word/TAG`"), "{}", out.stderr);
    assert!(!dir.path().join("m").exists());
}
