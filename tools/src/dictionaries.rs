//! `dictionaries SHARED_DATA_DIR [--jionlp FILE] [--jieba-dict FILE] [--out FILE]`: China's
//! administrative divisions into `dictionaries/places.tsv`.
//!
//! Sources, under `SHARED_DATA_DIR/admin_divisions/`:
//! - `modood/{provinces,cities,areas,streets}.csv` (WTFPL): names, codes and the hierarchy;
//! - `jionlp/china_location.txt` (Apache-2.0; `xz -dk` the `.xz`, or it is piped through `xz -dc`):
//!   the short alias of every province, prefecture and county (河北省 → 河北);
//! - `cpca/56_nations.csv` (MIT): the ethnic groups, stripped from autonomous prefectures and
//!   counties that jionlp gives no alias (恩施土家族苗族自治州 → 恩施).
//!
//! Countries and capitals come from jionlp's `world_location.txt` (Apache-2.0).
//!
//! Towns (乡镇街道) are included for Beijing, Tianjin and Hebei only (codes 11, 12, 13): the
//! domain of the corpus, and 3,000 lines instead of 41,000.
//!
//! A surface that names several divisions goes to the one in Beijing–Tianjin–Hebei when there
//! is exactly one there, else to a full name over aliases, else to the highest level; a full
//! name still shared by divisions of one level becomes one entry `place:name:<name>` listing the
//! codes; other ambiguous aliases are left out and listed as comments at the end of the file.
//! Flagged `common` (matched only in context): the short forms of counties outside
//! Beijing–Tianjin–Hebei (新和 for 新和县: 创新和产业 contains it); county and town surfaces that
//! jieba's dictionary (`--jieba-dict dict.txt`, MIT) lists as a frequent word (frequency ≥ 100)
//! not tagged as a place (和平 nz, 东方 s, 城区 n, 大兴 b); and a few listed by hand (中山, 大同,
//! 长安). jieba's tags alone are no guide: it tags 保定 as a verb and 门头沟 as a noun. The other
//! short forms of prefectures and counties are flagged `within-token`: where the segmenter ran
//! they may not straddle two tokens (迁安 in 搬迁/安置, 大理 in 重大/理念).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::common::{Result, paths, read_text};

/// `dictionaries`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The data directory holding `admin_divisions/` (modood, jionlp, cpca).
    #[arg(value_name = "SHARED_DATA_DIR")]
    pub shared: PathBuf,
    /// jionlp's `china_location.txt` (default: under SHARED_DATA_DIR; its `.xz` is piped through
    /// `xz -dc` when only that exists).
    #[arg(long, value_name = "FILE")]
    pub jionlp: Option<PathBuf>,
    /// jieba's `dict.txt`: county and town names it lists as frequent non-place words are
    /// flagged common.
    #[arg(long, value_name = "FILE")]
    pub jieba_dict: Option<PathBuf>,
    /// The file to write (default: dictionaries/places.tsv).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// A word at least this frequent in jieba's dictionary, and not tagged as a place, is common.
const COMMON_FREQUENCY: u64 = 100;

/// Places the division tables lack: regions, new areas, zones and the SARs. `(surface, id,
/// kind, parent, attributes)`; the first surface of an id is its canonical name.
#[rustfmt::skip]
const HAND_ADDED: &[(&str, &str, &str, &str, &str)] = &[
    ("香港特别行政区", "place:810000", "province", "", ""),
    ("香港", "place:810000", "province", "", ""),
    ("澳门特别行政区", "place:820000", "province", "", ""),
    ("澳门", "place:820000", "province", "", ""),
    ("台湾省", "place:710000", "province", "", ""),
    ("台湾", "place:710000", "province", "", ""),
    ("京津冀", "region:jingjinji", "region", "", "members=place:110000,place:120000,place:130000"),
    ("京津冀地区", "region:jingjinji", "region", "", ""),
    ("京津冀三省市", "region:jingjinji", "region", "", ""),
    ("京津", "region:jingjin", "region", "", "members=place:110000,place:120000"),
    ("京津两市", "region:jingjin", "region", "", ""),
    ("津冀", "region:jinji", "region", "", "members=place:120000,place:130000"),
    ("京冀", "region:jingji", "region", "", "members=place:110000,place:130000"),
    ("环京", "region:huanjing", "region", "", "note=the parts of Hebei and Tianjin bordering Beijing"),
    ("环京地区", "region:huanjing", "region", "", ""),
    ("环京津", "region:huanjingjin", "region", "", ""),
    ("环渤海", "region:huanbohai", "region", "", ""),
    ("环渤海地区", "region:huanbohai", "region", "", ""),
    ("华北", "region:huabei", "region", "", ""),
    ("华北地区", "region:huabei", "region", "", ""),
    ("北三县", "region:beisanxian", "region", "place:131000", "members=place:131082,place:131028,place:131024"),
    ("廊坊北三县", "region:beisanxian", "region", "place:131000", ""),
    ("雄安新区", "place:xiongan", "new_area", "place:130000", "members=place:130638,place:130629,place:130632"),
    ("河北雄安新区", "place:xiongan", "new_area", "place:130000", ""),
    ("雄安", "place:xiongan", "new_area", "place:130000", ""),
    ("北京城市副中心", "place:beijing-sub-centre", "new_area", "place:110112", ""),
    ("城市副中心", "place:beijing-sub-centre", "new_area", "place:110112", ""),
    ("渤海新区", "zone:bohai-new-area", "zone", "place:130900", ""),
    ("沧州渤海新区", "zone:bohai-new-area", "zone", "place:130900", ""),
    ("中关村", "zone:zhongguancun", "zone", "place:110108", ""),
    ("中关村科技园区", "zone:zhongguancun", "zone", "place:110108", ""),
    ("大兴国际机场临空经济区", "zone:daxing-airport-economic-zone", "zone", "", ""),
    ("临空经济区", "zone:daxing-airport-economic-zone", "zone", "", ""),
    ("天开高教科创园", "zone:tiankai-park", "zone", "place:120000", ""),
    ("滨海新区战略合作功能区", "zone:binhai-cooperation-zone", "zone", "place:120116", ""),
    ("芦台·汉沽协同发展示范区", "zone:lutai-hangu", "zone", "", ""),
    ("通州区与廊坊北三县一体化高质量发展示范区", "zone:tongzhou-beisanxian", "zone", "", ""),
    ("首都水源涵养功能区", "zone:capital-water-conservation", "zone", "place:130700", ""),
    ("白洋淀", "place:baiyangdian", "lake", "place:xiongan", ""),
    ("三江源", "zone:sanjiangyuan", "zone", "place:630000", ""),
    ("三江源国家公园", "zone:sanjiangyuan-national-park", "zone", "place:630000", ""),
    // Matched so that the place inside is not reported: a time zone, not Beijing.
    ("北京时间", "time:beijing", "time", "", "flags=block"),
    // 示范县 ("model county") holds 范县, a county of Henan.
    ("示范县", "other:示范县", "other", "", "flags=block"),
    // An idiom ("lasting peace and order") holding 长治, a prefecture of Shanxi.
    ("长治久安", "other:长治久安", "other", "", "flags=block"),
];

/// Place names that are common words all the same (来宾 "guests", 巴中 "Pakistan–China", 中非
/// "China–Africa", 海地 in 沿海地区).
#[rustfmt::skip]
const COMMON_BY_HAND: &[&str] = &["中山", "大同", "来宾", "巴中", "中非", "万象", "维多利亚", "海地", "东方", "和平", "城区", "新华", "大兴", "新城", "长安", "白山", "红旗", "太平", "安定"];

/// Short alias (简称) of every province-level division, matched only when enabled.
#[rustfmt::skip]
const SHORT: &[(&str, &str)] = &[
    ("京", "11"), ("津", "12"), ("冀", "13"), ("晋", "14"), ("蒙", "15"), ("辽", "21"), ("吉", "22"),
    ("黑", "23"), ("沪", "31"), ("苏", "32"), ("浙", "33"), ("皖", "34"), ("闽", "35"), ("赣", "36"),
    ("鲁", "37"), ("豫", "41"), ("鄂", "42"), ("湘", "43"), ("粤", "44"), ("桂", "45"), ("琼", "46"),
    ("渝", "50"), ("川", "51"), ("蜀", "51"), ("黔", "52"), ("贵", "52"), ("滇", "53"), ("云", "53"),
    ("藏", "54"), ("陕", "61"), ("秦", "61"), ("甘", "62"), ("陇", "62"), ("青", "63"), ("宁", "64"),
    ("新", "65"), ("港", "81"), ("澳", "82"), ("台", "71"),
];

#[derive(Clone, Debug)]
struct Division {
    id: String,
    code: String,
    kind: &'static str,
    level: u8,
    name: String,
    parent: String,
    jjj: bool,
}

struct Candidate {
    division: usize,
    alias: bool,
}

/// Runs `dictionaries`.
pub fn run(args: &Args) -> Result<()> {
    let out = args.out.clone().unwrap_or_else(|| paths::dictionaries().join("places.tsv"));
    let shared = &args.shared;
    let (jionlp, jieba_dict) = (args.jionlp.clone(), &args.jieba_dict);
    let admin = shared.join("admin_divisions");
    let divisions = read_modood(&admin.join("modood"))?;
    let aliases = read_jionlp(&jionlp.unwrap_or_else(|| admin.join("jionlp/china_location.txt")))?;
    let nations = read_lines(&admin.join("cpca/56_nations.csv"))?;
    let words = match &jieba_dict {
        Some(path) => read_jieba(path)?,
        None => {
            eprintln!("dictionaries: no --jieba-dict: only the hand-listed common words are flagged");
            HashMap::new()
        }
    };

    // Every surface with the divisions it could name.
    let mut surfaces: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut push = |surface: String, candidate: Candidate, order: &mut Vec<String>| {
        let list = surfaces.entry(surface.clone()).or_default();
        if list.is_empty() {
            order.push(surface);
        }
        list.push(candidate);
    };
    let mut derived = 0;
    for (i, d) in divisions.iter().enumerate() {
        push(d.name.clone(), Candidate { division: i, alias: false }, &mut order);
        if d.kind == "town" {
            continue;
        }
        let alias = match aliases.get(&d.code) {
            Some(a) => Some(a.clone()),
            None => strip_nations(&d.name, &nations).inspect(|_| derived += 1),
        };
        if let Some(alias) = alias.filter(|a| a != &d.name && a.chars().count() >= 2 && d.name.starts_with(a.as_str()))
        {
            push(alias, Candidate { division: i, alias: true }, &mut order);
        }
    }

    // Resolve each surface to one division (or one ambiguous entry, or nothing).
    let mut assigned: Vec<Vec<(String, bool)>> = vec![Vec::new(); divisions.len()];
    let mut ambiguous_full: Vec<(String, Vec<usize>)> = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    for surface in &order {
        let candidates = &surfaces[surface];
        match resolve(candidates, &divisions) {
            Resolution::One(c) => assigned[candidates[c].division].push((surface.clone(), candidates[c].alias)),
            Resolution::AmbiguousFull(list) => ambiguous_full.push((surface.clone(), list)),
            Resolution::Dropped => dropped.push(format!(
                "{surface}: {}",
                candidates.iter().map(|c| divisions[c.division].id.as_str()).collect::<Vec<_>>().join(" ")
            )),
        }
    }

    let hand_surfaces: HashSet<&str> = HAND_ADDED.iter().map(|h| h.0).collect();
    let common = |surface: &str, kind: &str| -> bool {
        if COMMON_BY_HAND.contains(&surface) {
            return true;
        }
        // jieba's tags for foreign capitals are no guide either (莫斯科, 柏林 are not `ns`).
        if kind != "county" && kind != "town" {
            return false;
        }
        words.get(surface).is_some_and(|(freq, tag)| *freq >= COMMON_FREQUENCY && !tag.starts_with("ns"))
    };

    let mut tsv = String::new();
    tsv.push_str(
        "#! category = place\n\
         # China's administrative divisions, generated by `cargo xtask dictionaries` (tools/src/dictionaries.rs):\n\
         # modood/Administrative-divisions-of-China (WTFPL), jionlp china_location (Apache-2.0) aliases,\n\
         # cpca 56_nations (MIT); towns for Beijing, Tianjin and Hebei only; hand additions at the end.\n\
         # Edit the generator, not this file. Flags: short = matched only with `short_aliases = true`;\n\
         # common = also a common word, matched only in context (see the gazetteer's `common_words`);\n\
         # within-token = a bare short form, not matched across two tokens when there are tokens.\n",
    );
    tsv.push_str("surface\tid\tkind\tparent\tattributes\n");
    let (mut rows, mut commons) = (0, 0);
    let mut short_by_code: HashMap<&str, Vec<&str>> = HashMap::new();
    for (short, code) in SHORT {
        short_by_code.entry(code).or_default().push(short);
    }
    for (i, d) in divisions.iter().enumerate() {
        let surfaces = &assigned[i];
        // A division whose full name went elsewhere keeps no alias either: its canonical name
        // (the first line) must be its full name.
        if !surfaces.iter().any(|(_, alias)| !alias) {
            continue;
        }
        let mut sorted = surfaces.clone();
        sorted.sort_by_key(|(_, alias)| *alias);
        for (surface, alias) in sorted {
            if hand_surfaces.contains(surface.as_str()) {
                continue;
            }
            // Outside the corpus's region a county's bare short form is more often two
            // characters across a word boundary (创新和产业 holds 新和, 新和县's alias) than
            // the county itself.
            let far_alias = alias && d.kind == "county" && !d.jjj;
            let flags = if far_alias || common(&surface, d.kind) {
                commons += 1;
                "flags=common"
            } else if alias && (d.kind == "county" || d.kind == "prefecture") {
                // A bare short form is often two characters of two words (迁安 in 搬迁安置,
                // 大理 in 重大理念): where the segmenter ran, it may not straddle two tokens.
                "flags=within-token"
            } else {
                ""
            };
            writeln!(tsv, "{surface}\t{}\t{}\t{}\t{flags}", d.id, d.kind, d.parent).unwrap();
            rows += 1;
        }
        if d.level == 0 {
            for short in short_by_code.get(&d.code[..2]).into_iter().flatten() {
                writeln!(tsv, "{short}\t{}\t{}\t\tflags=short", d.id, d.kind).unwrap();
                rows += 1;
            }
        }
    }
    tsv.push_str("# Full names shared by divisions of one level outside Beijing-Tianjin-Hebei.\n");
    for (surface, list) in &ambiguous_full {
        let d = &divisions[list[0]];
        let codes: Vec<&str> = list.iter().map(|&i| divisions[i].id.as_str()).collect();
        let flags = if common(surface, d.kind) { ";flags=common" } else { "" };
        writeln!(tsv, "{surface}\tplace:name:{surface}\t{}\t\tambiguous={}{flags}", d.kind, codes.join(",")).unwrap();
        rows += 1;
    }
    tsv.push_str("# Added by hand: places the division tables lack.\n");
    for (surface, id, kind, parent, attributes) in HAND_ADDED {
        writeln!(tsv, "{surface}\t{id}\t{kind}\t{parent}\t{attributes}").unwrap();
        rows += 1;
    }
    for (short, code) in SHORT.iter().filter(|(_, c)| ["71", "81", "82"].contains(c)) {
        writeln!(tsv, "{short}\tplace:{code}0000\tprovince\t\tflags=short").unwrap();
        rows += 1;
    }
    // Countries and their capitals, after every Chinese place so that a Chinese name wins
    // (黑山 is a county of Liaoning before it is Montenegro).
    let taken: HashSet<String> =
        tsv.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split('\t').next().map(str::to_owned)).collect();
    tsv.push_str("# Countries and capitals: jionlp world_location.txt (Apache-2.0); China's own row is left out.\n");
    let mut countries = 0;
    let world = read_world(&admin.join("jionlp/world_location.txt"))?;
    // A capital named for two countries (金斯敦: Kingston and Kingstown) is left out.
    let mut capital_count: HashMap<&str, usize> = HashMap::new();
    for [_, _, capital] in &world {
        *capital_count.entry(capital.as_str()).or_default() += 1;
    }
    for row in &world {
        let [short, full, capital] = &row;
        if short == "中国" || taken.contains(short) {
            continue;
        }
        let id = format!("country:{short}");
        let flags = |surface: &str| {
            if COMMON_BY_HAND.contains(&surface) { "flags=common" } else { "" }
        };
        writeln!(tsv, "{short}\t{id}\tcountry\t\t{}", flags(short)).unwrap();
        // 以色列国 and 日本国 are left out: 以色列国防军 and 日本国防部 hold them.
        if full != short && !taken.contains(full) && full.strip_suffix('国') != Some(short.as_str()) {
            writeln!(tsv, "{full}\t{id}\tcountry\t\t").unwrap();
        }
        if !capital.is_empty() && capital != short && !taken.contains(capital) && capital_count[capital.as_str()] == 1 {
            let common = if common(capital, "city") { "flags=common" } else { "" };
            writeln!(tsv, "{capital}\tcity:{capital}\tcity\t{id}\t{common}").unwrap();
        }
        countries += 1;
    }
    tsv.push_str("# Aliases left out because they name several divisions and none is preferred:\n");
    for line in &dropped {
        writeln!(tsv, "# {line}").unwrap();
    }

    // Refuse to write what the gazetteer would refuse to load.
    let source = zhpipe_gazetteer::Source { path: out.clone(), name: "places".into(), text: tsv.clone() };
    let parsed = zhpipe_gazetteer::Dictionaries::parse(&[source]).map_err(|e| e.to_string())?;
    std::fs::write(&out, &tsv).map_err(|e| format!("{}: {e}", out.display()))?;
    let out = out.canonicalize().unwrap_or(out);
    println!(
        "{}: {rows} lines and {countries} countries, {} entries, {} surfaces ({commons} flagged common, {} ambiguous full names, {} ambiguous aliases left out, {derived} aliases derived from cpca's nations)",
        out.display(),
        parsed.entries.len(),
        parsed.patterns.len(),
        ambiguous_full.len(),
        dropped.len()
    );
    Ok(())
}

enum Resolution {
    One(usize),
    AmbiguousFull(Vec<usize>),
    Dropped,
}

fn resolve(candidates: &[Candidate], divisions: &[Division]) -> Resolution {
    if candidates.len() == 1 {
        return Resolution::One(0);
    }
    let only = |keep: &dyn Fn(&Candidate) -> bool| {
        let kept: Vec<usize> = (0..candidates.len()).filter(|&i| keep(&candidates[i])).collect();
        (kept.len() == 1).then(|| kept[0])
    };
    if let Some(i) = only(&|c| divisions[c.division].jjj) {
        return Resolution::One(i);
    }
    if let Some(i) = only(&|c| !c.alias) {
        return Resolution::One(i);
    }
    let top = candidates.iter().map(|c| divisions[c.division].level).min().unwrap_or(0);
    if let Some(i) = only(&|c| divisions[c.division].level == top) {
        return Resolution::One(i);
    }
    let same_level_full: Vec<usize> =
        candidates.iter().filter(|c| !c.alias && divisions[c.division].level == top).map(|c| c.division).collect();
    if same_level_full.len() == candidates.len() {
        Resolution::AmbiguousFull(same_level_full)
    } else {
        Resolution::Dropped
    }
}

/// 恩施土家族苗族自治州 → 恩施; 大厂回族自治县 → 大厂.
fn strip_nations(name: &str, nations: &[String]) -> Option<String> {
    let at = name.find("自治")?;
    let mut stem = &name[..at];
    loop {
        let before = stem;
        for nation in nations {
            stem = stem.strip_suffix(nation.as_str()).unwrap_or(stem);
            if let Some(short) = nation.strip_suffix('族') {
                stem = stem.strip_suffix(short).unwrap_or(stem);
            }
        }
        if stem == before {
            break;
        }
    }
    (stem.chars().count() >= 2 && stem != name).then(|| stem.to_owned())
}

fn read_lines(path: &Path) -> Result<Vec<String>> {
    let text = read_text(path)?;
    Ok(text.lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect())
}

/// modood's CSV rows: `code,"name",parent codes...`.
fn read_csv(path: &Path) -> Result<Vec<Vec<String>>> {
    let lines = read_lines(path)?;
    Ok(lines.iter().skip(1).map(|l| l.split(',').map(|f| f.trim_matches('"').to_owned()).collect()).collect())
}

fn read_modood(dir: &Path) -> Result<Vec<Division>> {
    let mut out = Vec::new();
    let bad = |path: &str, row: &[String]| format!("{}/{path}: unexpected row {row:?}", dir.display());
    let jjj = |code: &str| ["11", "12", "13"].contains(&&code[..2]);
    let mut real_city: HashSet<String> = HashSet::new();
    for row in read_csv(&dir.join("provinces.csv"))? {
        let [code, name] = &row[..] else {
            return Err(bad("provinces.csv", &row));
        };
        out.push(Division {
            id: format!("place:{code}0000"),
            code: format!("{code}0000"),
            kind: "province",
            level: 0,
            name: name.clone(),
            parent: String::new(),
            jjj: jjj(code),
        });
    }
    for row in read_csv(&dir.join("cities.csv"))? {
        let [code, name, province] = &row[..] else {
            return Err(bad("cities.csv", &row));
        };
        // Municipalities list their districts under a placeholder city.
        if name == "市辖区" || name == "县" || name.ends_with("直辖县级行政区划") {
            continue;
        }
        real_city.insert(code.clone());
        out.push(Division {
            id: format!("place:{code}00"),
            code: format!("{code}00"),
            kind: "prefecture",
            level: 1,
            name: name.clone(),
            parent: format!("place:{province}0000"),
            jjj: jjj(code),
        });
    }
    for row in read_csv(&dir.join("areas.csv"))? {
        let [code, name, city, province] = &row[..] else {
            return Err(bad("areas.csv", &row));
        };
        let parent = if real_city.contains(city) { format!("place:{city}00") } else { format!("place:{province}0000") };
        out.push(Division {
            id: format!("place:{code}"),
            code: code.clone(),
            kind: "county",
            level: 2,
            name: name.clone(),
            parent,
            jjj: jjj(code),
        });
    }
    for row in read_csv(&dir.join("streets.csv"))? {
        let [code, name, area, province, _city] = &row[..] else {
            return Err(bad("streets.csv", &row));
        };
        if !jjj(province) {
            continue;
        }
        out.push(Division {
            id: format!("place:{code}"),
            code: code.clone(),
            kind: "town",
            level: 3,
            name: name.clone(),
            parent: format!("place:{area}"),
            jjj: true,
        });
    }
    Ok(out)
}

/// jionlp's countries: `short<TAB>full<TAB>capital[<TAB>cities]` under `continent:` lines.
fn read_world(path: &Path) -> Result<Vec<[String; 3]>> {
    let text = read_text(path)?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_end().ends_with(':'))
        .map(|l| {
            let mut f = l.split('\t').map(|f| f.trim().to_owned());
            let short = f.next().unwrap_or_default();
            let full = f.next().unwrap_or_default();
            [short, full, f.next().unwrap_or_default()]
        })
        .filter(|[short, _, _]| !short.is_empty())
        .collect())
}

/// jieba's `word freq tag` lines.
fn read_jieba(path: &Path) -> Result<HashMap<String, (u64, String)>> {
    let text = read_text(path)?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let word = fields.next()?;
            let freq = fields.next()?.parse().ok()?;
            Some((word.to_owned(), (freq, fields.next().unwrap_or("").to_owned())))
        })
        .collect())
}

/// jionlp's hierarchy: `name<TAB>adcode<TAB>alias`, indented by level; towns and villages
/// (deeper, without codes) are skipped.
fn read_jionlp(path: &Path) -> Result<HashMap<String, String>> {
    let text = if path.exists() {
        read_text(path)?
    } else {
        let xz = path.with_extension("txt.xz");
        let output = std::process::Command::new("xz")
            .arg("-dc")
            .arg(&xz)
            .output()
            .map_err(|e| format!("{} is missing and `xz -dc {}` failed: {e}", path.display(), xz.display()))?;
        if !output.status.success() {
            return Err(format!("{} is missing and `xz -dc {}` failed", path.display(), xz.display()));
        }
        String::from_utf8(output.stdout).map_err(|e| format!("{}: {e}", xz.display()))?
    };
    let mut aliases = HashMap::new();
    for line in text.lines() {
        let depth = line.chars().take_while(|&c| c == '\t').count();
        let fields: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        if depth <= 2 && fields.len() >= 3 && fields[1].len() == 6 {
            aliases.entry(fields[1].to_owned()).or_insert_with(|| fields[2].trim().to_owned());
        }
    }
    if aliases.is_empty() {
        return Err(format!("{}: no `name, adcode, alias` lines", path.display()));
    }
    Ok(aliases)
}
