//! The decode stage on real text: the samples re-encoded into every encoding Chinese archives
//! use, the encoding_rs conformance vectors, the Wikipedia pages, mojibake, and bad input.

use std::fs;
use std::path::{Path, PathBuf};

use encoding_rs::{BIG5, Encoding, GB18030, GBK, UTF_16BE, UTF_16LE, WINDOWS_1252};
use zhpipe_core::{Document, EncodingReport, Layers, Registry, Stage, StageErrorKind, StageSpec};
use zhpipe_decode::{Decode, DecodeConfig, Decoded};

fn stage() -> Decode {
    Decode::new(DecodeConfig::default()).unwrap()
}

fn with(keys: &str) -> Decode {
    let spec = StageSpec::from_toml("decode", keys, ".").unwrap();
    Decode::new(spec.parse().unwrap()).unwrap()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixtures().join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bundled samples, `(number, text)`: `("002", "當前閱讀:…")`.
fn samples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/samples");
    let mut samples: Vec<(String, String)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap()[..3].to_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    samples.sort();
    assert_eq!(samples.len(), 5);
    samples
}

/// `GBK detected`, `GB18030 declared gb2312 overridden`, `UTF-8 bom 2 replaced`.
fn render(report: &EncodingReport) -> String {
    let mut out = format!("{} {}", report.encoding, serde_source(report));
    if let Some(declared) = &report.declared {
        out.push_str(&format!(" {declared}"));
    }
    if report.overridden {
        out.push_str(" overridden");
    }
    if report.replacements > 0 {
        out.push_str(&format!(" {} replaced", report.replacements));
    }
    if let Some(repaired) = &report.repaired {
        out.push_str(&format!(" repaired({repaired})"));
    }
    out
}

fn serde_source(report: &EncodingReport) -> String {
    format!("{:?}", report.source).to_lowercase()
}

fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
    let (bytes, used, unmappable) = encoding.encode(text);
    assert_eq!(used, encoding);
    assert!(!unmappable, "{} cannot encode the text", encoding.name());
    bytes.into_owned()
}

fn with_bom(encoding: &'static Encoding, text: &str) -> Vec<u8> {
    let units = text.encode_utf16();
    let mut bytes = Vec::new();
    for unit in std::iter::once(0xFEFF).chain(units) {
        bytes.extend_from_slice(&if encoding == UTF_16LE { unit.to_le_bytes() } else { unit.to_be_bytes() });
    }
    bytes
}

#[track_caller]
fn check(stage: &Decode, bytes: &[u8], expected_text: &str, expected_report: &str) -> Decoded {
    let decoded = stage.decode(bytes).unwrap_or_else(|e| panic!("decode failed: {e}"));
    assert_eq!(render(&decoded.report), expected_report);
    if decoded.text != expected_text {
        let at = decoded.text.chars().zip(expected_text.chars()).position(|(a, b)| a != b);
        panic!("text differs (first difference at char {at:?}; report {})", render(&decoded.report));
    }
    decoded
}

/// Pinyin the Traditional-script gateway put after characters: `協(xié)同`.
fn strip_pinyin(text: &str) -> String {
    regex::Regex::new(r"\([\p{Latin}&&\p{Ll}]+\)").unwrap().replace_all(text, "").into_owned()
}

/// The characters of `text` that `encoding` can represent.
fn representable(encoding: &'static Encoding, text: &str) -> String {
    let mut buffer = [0u8; 8];
    text.chars().filter(|c| !encoding.encode(c.encode_utf8(&mut buffer)).2).collect()
}

#[test]
fn utf8_samples_are_detected_and_unchanged() {
    for (_, text) in samples() {
        check(&stage(), text.as_bytes(), &text, "UTF-8 detected");
    }
}

#[test]
fn samples_in_gb18030_decode_exactly() {
    // 001 uses • and 002 a no-break space, both outside GBK: four-byte GB18030 sequences.
    let expected = ["GBK detected", "GB18030 detected", "GB18030 detected", "GBK detected", "GBK detected"];
    for ((name, text), expected) in samples().iter().zip(expected) {
        let decoded = stage().decode(&encode(GB18030, text)).unwrap();
        assert_eq!((name.as_str(), render(&decoded.report).as_str()), (name.as_str(), expected));
        assert!(decoded.text == *text, "{name}");
    }
}

#[test]
fn samples_in_gbk_decode_exactly() {
    for (name, text) in samples() {
        if GBK.encode(&text).2 {
            continue; // 001 and 002 need GB18030 (above).
        }
        assert!(["000", "003", "004"].contains(&name.as_str()), "{name}");
        check(&stage(), &encode(GBK, &text), &text, "GBK detected");
    }
}

#[test]
fn traditional_samples_in_big5_decode_exactly() {
    for (name, text) in samples().into_iter().filter(|(name, _)| name == "002" || name == "004") {
        let text = representable(BIG5, &strip_pinyin(&text));
        assert!(!text.contains("(xié)") && text.contains("協同發展"), "{name}");
        check(&stage(), &encode(BIG5, &text), &text, "Big5 detected");
    }
}

#[test]
fn samples_in_utf16_with_bom_decode_exactly() {
    for (_, text) in samples() {
        check(&stage(), &with_bom(UTF_16LE, &text), &text, "UTF-16LE bom");
        check(&stage(), &with_bom(UTF_16BE, &text), &text, "UTF-16BE bom");
    }
}

/// UTF-8 pages that kept a legacy `<meta charset>` when re-saved: Big5 and GBK decoders take
/// most UTF-8 byte pairs, some as common hanzi, so only the code points no text has (U+FFFD,
/// private use) give the declaration away. Found by `declaration_prescan_survives_any_markup`.
#[test]
fn utf8_bytes_under_a_legacy_declaration_stay_utf8() {
    for page in ["ä<meta charset=\"gb2312\">äää京津冀", "<meta charset=big5>äääää京京津冀"] {
        let decoded = stage().decode(page.as_bytes()).unwrap();
        assert_eq!(decoded.text, page);
        assert_eq!(decoded.report.encoding, "UTF-8");
        assert!(decoded.report.overridden, "{:?}", decoded.report);
    }
}

/// Windows-1252 mojibake of text that is mostly CJK punctuation reads no better by the hanzi
/// score alone; restoring CJK characters exactly is the evidence. Found by
/// `windows_1252_mojibake_of_chinese_round_trips`.
#[test]
fn windows_1252_mojibake_of_punctuation_is_repaired() {
    for text in ["京。，，。", "京，，。，"] {
        let mojibake = WINDOWS_1252.decode_without_bom_handling(text.as_bytes()).0.into_owned();
        let decoded = stage().decode(mojibake.as_bytes()).unwrap();
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.report.repaired.as_deref(), Some("utf-8 read as windows-1252"));
    }
}

#[test]
fn utf16_without_bom_is_recognised_from_its_zero_bytes() {
    // 一 (U+4E00) puts a zero in the low byte: the pattern is "nearly all", not "all".
    let text = "Mars, 火星: 2022年02月26日, 一带一路\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    check(&stage(), &le, text, "UTF-16LE detected");
    check(&stage(), &be, text, "UTF-16BE detected");
}

#[test]
fn page_declaring_gb2312_with_gb18030_characters() {
    // 镕 is GBK, 䶮 (U+4DAE) and 𠮷 (U+20BB7) are only in GB18030 (four-byte sequences).
    let body = samples()[0].1.clone();
    let page = format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\
         <title>京津冀</title></head><body><p>朱镕基 刘䶮 𠮷</p>\n{body}</body></html>"
    );
    let decoded = check(&stage(), &encode(GB18030, &page), &page, "GB18030 declared gb2312 overridden");
    let messages: Vec<(&str, &str)> = decoded.notes.iter().map(|n| (n.kind.as_str(), n.message.as_str())).collect();
    assert_eq!(
        messages,
        [(
            "declaration-overridden",
            "declared `gb2312`, but the bytes use GB18030 four-byte characters; decoded as GB18030"
        )]
    );

    // The same page within GB2312 is taken at its word.
    let plain = "<meta charset=\"gb2312\"><p>河北省召开京津冀协同发展工作座谈会</p>";
    let decoded = check(&stage(), &encode(GBK, plain), plain, "GBK declared gb2312");
    assert!(decoded.notes.is_empty(), "{:?}", decoded.notes);
}

#[test]
fn declared_utf8_but_gbk_bytes_falls_back_to_detection() {
    let text = samples()[3].1.clone();
    let page = format!("<meta charset=\"utf-8\">\n{text}");
    let decoded = check(&stage(), &encode(GBK, &page), &page, "GBK detected utf-8 overridden");
    assert!(decoded.notes.iter().any(|n| n.kind == "declaration-overridden"));
}

#[test]
fn western_declaration_over_gbk_bytes_gives_way() {
    // Old Chinese sites often went out labelled iso-8859-1, which decodes any byte.
    let text = samples()[1].1.clone();
    let page = format!("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">\n{text}");
    check(&stage(), &encode(GB18030, &page), &page, "GB18030 detected iso-8859-1 overridden");
    // A real Latin page so labelled stays windows-1252 (the WHATWG meaning of iso-8859-1).
    let latin = "<meta charset=\"iso-8859-1\"><p>Wohnungssuche in Freiburg: größer, schöner, günstiger</p>";
    check(&stage(), &encode(WINDOWS_1252, latin), latin, "windows-1252 declared iso-8859-1");
    // Declared UTF-8 over windows-1252 bytes: every umlaut is malformed UTF-8.
    let mislabelled = latin.replace("iso-8859-1", "utf-8");
    check(&stage(), &encode(WINDOWS_1252, &mislabelled), &mislabelled, "windows-1252 detected utf-8 overridden");
}

#[test]
fn declared_utf8_with_one_damaged_byte_stays_utf8() {
    let text = samples()[3].1.clone();
    let mut page = format!("<meta charset=\"utf-8\">\n{text}").into_bytes();
    // An ASCII byte, so that exactly one sequence is malformed.
    let damaged = page.len() / 2 + page[page.len() / 2..].iter().position(|&b| b == b'\n').unwrap();
    page[damaged] = 0xFF;
    let decoded = stage().decode(&page).unwrap();
    assert_eq!(render(&decoded.report), "UTF-8 declared utf-8 1 replaced");
    assert_eq!(decoded.text.matches('\u{FFFD}').count(), 1);
    let note = decoded.notes.iter().find(|n| n.kind == "replaced-bytes").expect("a note for the replacement");
    assert_eq!(note.count, Some(1));
}

#[test]
fn unknown_declared_label_is_noted_and_detection_decides() {
    let text = samples()[0].1.clone();
    let page = format!("<meta charset=\"x-klingon\">{text}");
    let decoded = check(&stage(), &encode(GBK, &page), &page, "GBK detected x-klingon overridden");
    assert!(decoded.notes.iter().any(|n| n.kind == "unknown-declaration" && n.message.contains("x-klingon")));
}

#[test]
fn hint_decides_what_detection_cannot() {
    // Too short for statistics: chardetng alone takes 京津冀 in GBK for Korean and 中文 in Big5
    // for Thai; the hint biases it as a .cn or .tw domain would.
    let jjj = encode(GBK, "京津冀");
    assert_eq!(render(&stage().decode(&jjj).unwrap().report), "EUC-KR detected");
    check(&with("default_encoding = \"gb18030\""), &jjj, "京津冀", "GBK hint");
    let zhongwen = encode(BIG5, "中文");
    assert_eq!(render(&stage().decode(&zhongwen).unwrap().report), "windows-874 detected");
    check(&with("default_encoding = \"big5\""), &zhongwen, "中文", "Big5 hint");
    check(&with("default_encoding = \"gb18030\""), b"ASCII only", "ASCII only", "GBK hint");
    check(&stage(), b"ASCII only", "ASCII only", "UTF-8 fallback");
}

#[test]
fn encoding_rs_gb18030_vectors_decode_to_their_reference() {
    let mut input = b"<?xml version=\"1.0\" encoding=\"gb18030\"?>\n".to_vec();
    let expected = format!(
        "{}{}",
        String::from_utf8_lossy(&input),
        String::from_utf8(fixture("encoding_rs/gb18030_in_ref.txt")).unwrap()
    );
    input.extend(fixture("encoding_rs/gb18030_in.txt"));
    check(&stage(), &input, &expected, "GB18030 declared gb18030");
}

#[test]
fn encoding_rs_big5_vectors_decode_to_their_reference_counting_replacements() {
    let mut input = b"<?xml version=\"1.0\" encoding=\"big5\"?>\n".to_vec();
    let reference = String::from_utf8(fixture("encoding_rs/big5_in_ref.txt")).unwrap();
    let expected = format!("{}{reference}", String::from_utf8_lossy(&input));
    input.extend(fixture("encoding_rs/big5_in.txt"));
    // The input holds invalid sequences on purpose; the reference has U+FFFD for each.
    let replaced = reference.matches('\u{FFFD}').count();
    assert!(replaced > 0);
    check(&stage(), &input, &expected, &format!("Big5 declared big5 {replaced} replaced"));
}

#[test]
fn encoding_rs_encoder_vectors_round_trip() {
    for (encoding, label, text, bytes) in [
        (GB18030, "gb18030", "gb18030_out.txt", "gb18030_out_ref.txt"),
        (BIG5, "big5", "big5_out.txt", "big5_out_ref.txt"),
    ] {
        let text = String::from_utf8(fixture(&format!("encoding_rs/{text}"))).unwrap();
        let bytes = fixture(&format!("encoding_rs/{bytes}"));
        assert_eq!(encoding.encode(&text).0, bytes, "{label}");
        let mut page = format!("<?xml version=\"1.0\" encoding=\"{label}\"?>\n").into_bytes();
        page.extend_from_slice(&bytes);
        let decoded = stage().decode(&page).unwrap();
        assert_eq!(decoded.report.declared.as_deref(), Some(label));
        assert_eq!(decoded.report.replacements, 0, "{label}");
    }
}

#[test]
fn wikipedia_pages_in_every_encoding() {
    let cn = String::from_utf8(fixture("wikipedia/zh_cn.txt")).unwrap();
    let tw = String::from_utf8(fixture("wikipedia/zh_tw.txt")).unwrap();
    check(&stage(), cn.as_bytes(), &cn, "UTF-8 detected");
    check(&stage(), tw.as_bytes(), &tw, "UTF-8 detected");
    check(&stage(), &encode(GB18030, &cn), &cn, "GB18030 detected");
    check(&stage(), &with_bom(UTF_16LE, &tw), &tw, "UTF-16LE bom");
    let tw_big5 = representable(BIG5, &tw);
    check(&stage(), &encode(BIG5, &tw_big5), &tw_big5, "Big5 detected");

    let html = String::from_utf8(fixture("wikipedia/zh_cn.html")).unwrap();
    check(&stage(), html.as_bytes(), &html, "UTF-8 declared UTF-8");
    let gb_page = html.replacen("<meta charset=\"UTF-8\"/>", "<meta charset=\"gb2312\"/>", 1);
    assert_ne!(gb_page, html);
    let gb_page = representable(GB18030, &gb_page);
    let decoded = stage().decode(&encode(GB18030, &gb_page)).unwrap();
    assert_eq!(decoded.report.source, zhpipe_core::EncodingSource::Declared);
    assert_eq!(decoded.report.declared.as_deref(), Some("gb2312"));
    assert_eq!(decoded.report.replacements, 0);
    assert!(decoded.text == gb_page);
}

#[test]
fn latin1_and_windows_1252_mojibake_of_every_sample_is_repaired_exactly() {
    for (name, text) in samples() {
        let latin1: String = text.bytes().map(char::from).collect();
        let windows_1252 = WINDOWS_1252.decode_without_bom_handling(text.as_bytes()).0.into_owned();
        for mojibake in [latin1, windows_1252] {
            let decoded = stage().decode(mojibake.as_bytes()).unwrap();
            assert_eq!(render(&decoded.report), "UTF-8 detected repaired(utf-8 read as windows-1252)", "{name}");
            assert!(decoded.text == text, "{name}");
            assert!(decoded.notes.iter().any(|n| n.kind == "mojibake-repaired"));
            // Switched off, the mojibake stays.
            assert!(with("repair_mojibake = false").decode(mojibake.as_bytes()).unwrap().text == mojibake);
        }
    }
}

#[test]
fn gbk_mojibake_is_repaired_exactly_when_it_lost_nothing() {
    // Reading UTF-8 as GBK loses a byte wherever a run of non-ASCII bytes has odd length; the
    // lines of the samples that survive whole are repaired to exactly the original.
    let mut repaired_lines = 0;
    for (name, text) in samples() {
        let lossless: Vec<&str> = text
            .lines()
            .filter(|line| {
                !line.is_ascii() && GBK.decode_without_bom_handling_and_without_replacement(line.as_bytes()).is_some()
            })
            .collect();
        if lossless.is_empty() {
            continue;
        }
        let original = lossless.join("\n");
        let mojibake = GBK.decode_without_bom_handling(original.as_bytes()).0.into_owned();
        let decoded = stage().decode(mojibake.as_bytes()).unwrap();
        assert_eq!(render(&decoded.report), "UTF-8 detected repaired(utf-8 read as GBK)", "{name}: {mojibake}");
        assert!(decoded.text == original, "{name}");
        repaired_lines += lossless.len();
    }
    assert!(repaired_lines >= 10, "only {repaired_lines} lines tested");
    check(&stage(), "鍖椾含".as_bytes(), "北京", "UTF-8 detected repaired(utf-8 read as GBK)");
}

#[test]
fn repair_never_touches_clean_text() {
    let mut clean: Vec<(String, String)> = samples();
    clean.extend(samples().into_iter().map(|(name, text)| (format!("{name} without pinyin"), strip_pinyin(&text))));
    for name in [
        "wikipedia/zh_cn.txt",
        "wikipedia/zh_tw.txt",
        "wikipedia/zh_cn.html",
        "wikipedia/zh_tw.html",
        "encoding_rs/gb18030_in_ref.txt",
        "encoding_rs/gb18030_out.txt",
        "encoding_rs/big5_in_ref.txt",
        "encoding_rs/big5_out.txt",
        "encoding_rs/LICENSE-WHATWG",
    ] {
        clean.push((name.to_owned(), String::from_utf8(fixture(name)).unwrap()));
    }
    for (name, text) in clean {
        let decoded = stage().decode(text.as_bytes()).unwrap();
        assert_eq!(decoded.report.repaired, None, "{name}");
        assert!(decoded.text == text, "{name} changed");
        // Nor when it arrives already decoded (a JSONL `text` record).
        let mut doc = Document::from_text(name.clone(), text.clone());
        stage().process(&mut doc).unwrap();
        assert!(doc.text == text && doc.notes.is_empty(), "{name}");
    }
}

#[test]
fn jsonl_text_records_are_repaired_and_size_checked() {
    let mut doc = Document::from_text("a", "äº¬æ´¥å†€");
    stage().process(&mut doc).unwrap();
    assert_eq!(doc.text, "京津冀");
    assert_eq!(render(doc.encoding.as_ref().unwrap()), "UTF-8 text repaired(utf-8 read as windows-1252)");

    let mut doc = Document::from_text("b", "京津冀协同发展");
    let error = with("max_bytes = 20").process(&mut doc).unwrap_err();
    assert_eq!(error.message(), "21 bytes, over the decode size limit of 20 bytes (decode max_bytes)");
}

#[test]
fn process_fills_text_report_and_notes() {
    let mut doc =
        Document::from_bytes("page.html", encode(GBK, "<meta charset=\"utf-8\">\n河北省召开京津冀协同发展工作座谈会"));
    stage().process(&mut doc).unwrap();
    assert!(doc.raw.is_empty() && !doc.layers().contains(Layers::RAW) && doc.layers().contains(Layers::TEXT));
    assert!(doc.text.ends_with("河北省召开京津冀协同发展工作座谈会"));
    assert!(doc.encoding.as_ref().unwrap().overridden);
    assert!(doc.notes.iter().all(|n| n.stage == "decode"));
}

/// Bytes from the fixed-seed generator of the end-to-end test: a reproducible "binary file".
fn random_bytes(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

macro_rules! bad {
    ($name:ident, $stage:expr, $bytes:expr, $message:expr) => {
        #[test]
        fn $name() {
            let error = $stage.decode(&$bytes).unwrap_err();
            assert_eq!(error.kind(), StageErrorKind::InvalidInput);
            assert_eq!(error.message(), $message);
        }
    };
}

bad!(empty_file, stage(), [], "empty file (0 bytes)");
bad!(only_a_bom, stage(), [0xEF, 0xBB, 0xBF], "empty file (only a byte-order mark)");
bad!(nul_bytes, stage(), *b"PK\x03\x04\0\0\x08\0", "binary file: 3 NUL bytes, the first at byte 4");
bad!(random_bytes_are_binary, stage(), random_bytes(4096), "binary file: 13 NUL bytes, the first at byte 86");
bad!(
    control_bytes,
    stage(),
    *b"\x1b[31m\x07\x07\x07 alarm \x08\x08\x08\x08 text with bells",
    "binary file: 20.0% control bytes in the first 35 bytes (text has at most 5%)"
);
bad!(
    over_the_size_limit,
    with("max_bytes = 8"),
    "京津冀".as_bytes(),
    "9 bytes, over the decode size limit of 8 bytes (decode max_bytes)"
);
bad!(
    utf32_bom,
    stage(),
    [0xFF, 0xFE, 0, 0, 0x2C, 0x4EAC_u32 as u8, 0, 0],
    "UTF-32 byte-order mark: UTF-32 is not supported; convert the file to UTF-8"
);
bad!(
    iso_2022_kr,
    stage(),
    *b"\x1b$)C\x0e4B\x0f ISO/IEC 2022",
    "ISO-2022-KR (escape sequence ESC $ ) C) is not supported; convert the file to UTF-8"
);
bad!(
    utf32_without_bom,
    stage(),
    "Mars 火星\n".chars().flat_map(|c| (c as u32).to_le_bytes()).collect::<Vec<u8>>(),
    "UTF-32LE without a byte-order mark: UTF-32 is not supported; convert the file to UTF-8"
);

#[test]
fn config_rejects_unknown_keys_and_labels() {
    let build = |keys: &str| {
        let mut registry = Registry::new();
        zhpipe_decode::register(&mut registry);
        let spec = StageSpec::from_toml("decode", keys, ".").unwrap();
        spec.parse::<DecodeConfig>().and_then(Decode::new).map(|_| ()).map_err(|e| e.message().to_owned())
    };
    assert_eq!(build(""), Ok(()));
    assert_eq!(build("default_encoding = \"GB2312\"\nmax_bytes = 1000\nrepair_mojibake = false"), Ok(()));
    assert!(build("max_byte = 10").unwrap_err().contains("unknown field `max_byte`"));
    assert_eq!(
        build("default_encoding = \"klingon\"").unwrap_err(),
        "default_encoding: unknown encoding label `klingon`; use a WHATWG label such as `gb18030`, `big5`, `utf-8` or `windows-1252`"
    );
    assert!(build("default_encoding = \"utf-16le\"").unwrap_err().contains("cannot be a default"));
    assert!(build("default_encoding = \"hz-gb-2312\"").unwrap_err().contains("cannot be a default"));
}

#[test]
fn registered_under_its_name() {
    let mut registry = Registry::new();
    zhpipe_decode::register(&mut registry);
    assert!(registry.contains("decode"));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_decode_to_text_or_a_clear_error(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
            match stage().decode(&bytes) {
                Ok(decoded) => {
                    // Only the decoder's replacements are counted, never more than there are.
                    let in_text = decoded.text.matches('\u{FFFD}').count() as u64;
                    prop_assert!(decoded.report.replacements <= in_text);
                    prop_assert!(!decoded.report.encoding.is_empty());
                }
                Err(error) => prop_assert!(!error.message().is_empty()),
            }
        }

        #[test]
        fn declaration_prescan_survives_any_markup(
            markup in "(<meta charset=(gbk|big5|utf-16|klingon|\"gb2312\")>|<META http-equiv=Content-Type content=\"text/html; charset=(gbk|big5)\"/>|<\\?xml version=\"1\\.0\" encoding=\"big5\"\\?>|<meta |charset=|<!--|-->|<|>|\"|'|/| |\u{4eac}|\u{00e4}){0,12}",
        ) {
            // Whatever the parser finds, the UTF-8 page comes out whole: a wrong declaration
            // is contradicted by the bytes, or its mojibake is repaired.
            let page = format!("{markup}京津冀");
            let decoded = stage().decode(page.as_bytes()).unwrap();
            prop_assert_eq!(decoded.report.replacements, 0);
            prop_assert_eq!(decoded.text, page);
        }

        #[test]
        fn valid_utf8_text_is_never_changed(text in "[\\PC\n ]{0,200}", hanzi in "[京津冀协同发展國際與]{1,20}") {
            let text = format!("{hanzi}{text}");
            let decoded = stage().decode(text.as_bytes()).unwrap();
            prop_assert_eq!(decoded.report.repaired, None);
            prop_assert_eq!(decoded.text, text);
        }

        #[test]
        fn windows_1252_mojibake_of_chinese_round_trips(text in "[京津冀协同发展國際與北天河 ,0-9a-z。，]{1,80}") {
            let text = format!("京{text}");
            let mojibake = WINDOWS_1252.decode_without_bom_handling(text.as_bytes()).0.into_owned();
            let decoded = stage().decode(mojibake.as_bytes()).unwrap();
            prop_assert_eq!(decoded.text, text);
        }
    }
}
