//! Annotated text for training and scoring: character-per-line BIO files, and word/POS-tagged
//! text in the People's Daily (PKU) convention, read as names.
//!
//! In PKU-tagged text a person's name is the words tagged `nr` in a row (surname and given name
//! are separate words), a place is `ns`, an organisation `nt`. The corpus this reads has lost
//! the brackets that joined compound names (`[北京/ns 市/n 文化局/n]nt`), so they are rebuilt:
//! a run of name-like words ending in a word that heads an organisation (…局, …委员会, …大学,
//! …队) or a facility (…馆, …机场, …广场), and holding a proper name, is one organisation or
//! place. Abbreviations (`j`) of countries and provinces (`中`, `美`, `京`) are places, those of
//! bodies (`政协`, `欧盟`, `十五大`) organisations.

use crate::tags::{Entity, EntityType};

/// A sentence with its names, in characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotated {
    /// The sentence.
    pub text: String,
    /// Its names, sorted and disjoint, as character spans.
    pub entities: Vec<Entity>,
}

/// A line of an annotated file that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {message}")]
pub struct CorpusError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// Reads a BIO (or BIOES) file: one character and its tag a line (`北 B-LOC`), a blank line
/// between sentences; types `PER`, `LOC`, `ORG`.
pub fn read_bio(text: &str) -> Result<Vec<Annotated>, CorpusError> {
    let mut out = Vec::new();
    let mut sentence = String::new();
    let mut entities = Vec::new();
    let mut open: Option<(usize, EntityType)> = None;
    let mut len = 0usize;
    let close = |open: &mut Option<(usize, EntityType)>, entities: &mut Vec<Entity>, end: usize| {
        if let Some((start, ty)) = open.take() {
            entities.push(Entity { start, end, ty });
        }
    };
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            close(&mut open, &mut entities, len);
            if !sentence.is_empty() {
                out.push(Annotated { text: std::mem::take(&mut sentence), entities: std::mem::take(&mut entities) });
            }
            len = 0;
            continue;
        }
        let error = |message: String| CorpusError { line: number, message };
        let (ch, tag) = line
            .split_once([' ', '\t'])
            .map(|(c, t)| (c, t.trim()))
            .ok_or_else(|| error(format!("expected `CHARACTER TAG`, found {line:?}")))?;
        let mut chars = ch.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return Err(error(format!("expected one character before the tag, found {ch:?}")));
        };
        if tag == "O" {
            close(&mut open, &mut entities, len);
        } else {
            let (part, name) = tag
                .split_once('-')
                .ok_or_else(|| error(format!("unknown tag {tag:?}: expected O or B-/I-/E-/S-TYPE")))?;
            let ty = EntityType::from_bio_name(name)
                .ok_or_else(|| error(format!("unknown entity type {name:?}: expected PER, LOC or ORG")))?;
            match part {
                "B" | "S" => {
                    close(&mut open, &mut entities, len);
                    open = Some((len, ty));
                }
                "I" | "M" | "E" => {
                    if !matches!(open, Some((_, t)) if t == ty) {
                        close(&mut open, &mut entities, len);
                        open = Some((len, ty));
                    }
                }
                _ => return Err(error(format!("unknown tag {tag:?}: expected O or B-/I-/E-/S-TYPE"))),
            }
            if matches!(part, "E" | "S") {
                close(&mut open, &mut entities, len + 1);
            }
        }
        sentence.push(c);
        len += 1;
    }
    close(&mut open, &mut entities, len);
    if !sentence.is_empty() {
        out.push(Annotated { text: sentence, entities });
    }
    Ok(out)
}

/// Writes sentences as a BIO file (the format [`read_bio`] reads).
pub fn write_bio(sentences: &[Annotated]) -> String {
    let mut out = String::new();
    for s in sentences {
        let mut tags = vec![String::from("O"); s.text.chars().count()];
        for e in &s.entities {
            for (i, t) in tags.iter_mut().enumerate().take(e.end).skip(e.start) {
                *t = format!("{}-{}", if i == e.start { 'B' } else { 'I' }, e.ty.bio_name());
            }
        }
        for (c, t) in s.text.chars().zip(tags) {
            out.push(c);
            out.push(' ');
            out.push_str(&t);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// Words that head an organisation's name.
const ORGANISATION_HEADS: &[&str] = &[
    "委员会",
    "委",
    "局",
    "部",
    "厅",
    "署",
    "办",
    "办公室",
    "院",
    "大学",
    "中学",
    "小学",
    "学校",
    "公司",
    "集团",
    "厂",
    "社",
    "日报",
    "晚报",
    "时报",
    "电视台",
    "电台",
    "气象台",
    "队",
    "党",
    "党校",
    "组织",
    "联盟",
    "银行",
    "协会",
    "学会",
    "基金会",
    "研究所",
    "事务所",
    "代表团",
    "团",
    "军",
    "联合会",
    "总会",
    "商会",
    "工会",
    "俱乐部",
    "理事会",
    "议会",
    "国会",
    "法庭",
    "所",
    "处",
    "组委会",
    "论坛",
];

/// Words ending like an organisation's head that are not one.
const NOT_HEADS: &[&str] = &[
    "社会", "机会", "晚会", "大会", "宴会", "舞会", "集会", "都会", "体会", "内部", "全部", "局部", "干部", "部分",
    "东部", "西部", "南部", "北部", "中部", "外部", "上部", "下部", "总部", "本部", "当局", "大局", "全局", "时局",
    "政局", "格局", "布局", "结局", "将军", "冠军", "亚军", "季军", "大军", "队伍", "政党", "工厂", "场所", "处所",
    "住所", "厕所", "到处", "好处", "之处", "用处", "军队", "部队", "全会", "运会", "常委", "部委", "政委", "编委",
];

/// Words that, heading a name after nothing but a country or region, name no particular body
/// (美国公司, American companies).
const GENERIC_HEADS: &[&str] = &["公司", "企业", "银行", "大学", "学校", "医院", "球队", "党"];

/// Words that open a compound name without being names themselves (国际货币基金组织,
/// 全国政协, 中央电视台).
const SCOPES: &[&str] = &["国际", "全国", "中央", "国家", "世界", "联邦", "最高", "中华", "亚洲", "欧洲"];

/// Common nouns that name one body on their own.
const BODIES: &[&str] = &[
    "国会",
    "内阁",
    "议会",
    "海军",
    "空军",
    "陆军",
    "解放军",
    "新四军",
    "八路军",
    "红军",
    "国家队",
    "共产党",
    "国民党",
    "工党",
    "保守党",
    "自由党",
    "民主党",
    "共和党",
];

/// Verbs of going to or being in a place written as its one-character abbreviation (访华, 抵京).
const TO_PLACE: &str = "访来抵赴离进返驻旅援在回入留";
const ABBREVIATED_PLACES: &str = "华京美日俄港台沪藏澳";

/// Common nouns and localisers the annotation counts as places.
const PLACE_WORDS: &[&str] = &["地球", "月球", "太阳", "银河", "火星", "东北", "西北", "西南", "东南", "中原", "江南"];

/// Words that head a facility's or landmark's name (a place).
const PLACE_HEADS: &[&str] = &[
    "馆",
    "剧院",
    "影院",
    "广场",
    "机场",
    "体育场",
    "火车站",
    "车站",
    "大厦",
    "大桥",
    "公园",
    "大会堂",
    "宫",
    "寺",
    "基地",
    "城",
    "码头",
    "港",
    "峰",
];

/// Words ending like a facility's head that are not one.
const NOT_PLACE_HEADS: &[&str] = &["宾馆", "饭馆", "使馆", "大使馆", "领事馆", "城市", "长城", "进城", "京城"];

/// Single-character abbreviations of countries, regions and provinces.
const PLACE_ABBREVIATIONS: &str = "中美俄日英法德意加澳韩朝越泰印巴以伊阿埃叙土希荷比瑞丹挪芬波捷匈罗保南斯克乌白哈吉塔蒙菲新马欧亚非拉京津沪渝冀晋辽黑苏浙皖闽赣鲁豫鄂湘粤桂琼川蜀黔滇藏陕甘陇青宁港澳台华";

/// Endings of abbreviations of organisations.
const ORGANISATION_ABBREVIATION_ENDS: &str = "委会盟约共联大局院部办协社军行体党团队";

/// Abbreviations ending like an organisation's that name an event.
const EVENT_ABBREVIATIONS: &[&str] = &["奥运会", "冬奥会", "亚运会", "全运会", "两会", "人代会", "大运会", "残奥会"];

fn ends_with_any(word: &str, ends: &[&str]) -> bool {
    ends.iter().any(|e| word.ends_with(e))
}

fn is_organisation_head(word: &str, tag: &str) -> bool {
    (matches!(tag, "n" | "nt" | "j") && ends_with_any(word, ORGANISATION_HEADS) && !ends_with_any(word, NOT_HEADS))
        || word_type(word, tag) == Some(EntityType::Organisation)
}

/// A common noun that names one body on its own: 市委, 国会, 海军.
fn is_body(word: &str, tag: &str) -> bool {
    tag == "n"
        && (BODIES.contains(&word)
            || (word.ends_with('委') && (2..=3).contains(&word.chars().count()) && !word.ends_with("常委")))
}

fn is_place_head(word: &str, tag: &str) -> bool {
    tag == "n" && ends_with_any(word, PLACE_HEADS) && !ends_with_any(word, NOT_PLACE_HEADS)
}

/// Tags of the words a compound name may hold before its head.
fn extends(tag: &str) -> bool {
    matches!(tag, "ns" | "nt" | "nz" | "n" | "j" | "b" | "vn" | "m" | "nr")
}

fn is_proper(tag: &str) -> bool {
    matches!(tag, "ns" | "nt" | "nz" | "j" | "nr")
}

/// The type of one word on its own.
fn word_type(word: &str, tag: &str) -> Option<EntityType> {
    match tag {
        "nr" => Some(EntityType::Person),
        "ns" => Some(EntityType::Place),
        "nt" => Some(EntityType::Organisation),
        "j" => {
            let mut chars = word.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => PLACE_ABBREVIATIONS.contains(c).then_some(EntityType::Place),
                _ if EVENT_ABBREVIATIONS.contains(&word) || ends_with_any(word, &["全会", "运会"]) => None,
                _ => word
                    .chars()
                    .last()
                    .filter(|&c| ORGANISATION_ABBREVIATION_ENDS.contains(c))
                    .map(|_| EntityType::Organisation),
            }
        }
        _ => None,
    }
}

/// Reads PKU-tagged text: one paragraph a line, `word/TAG` separated by spaces; a bracketed
/// compound (`[北京/ns 市/n 文化局/n]nt`), where the text still has them, is one name of the
/// bracket's tag.
pub fn read_pku(text: &str) -> Result<Vec<Annotated>, CorpusError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut words: Vec<(&str, &str)> = Vec::new();
        let mut brackets: Vec<(usize, usize, EntityType)> = Vec::new();
        let mut bracket_start: Option<usize> = None;
        for item in line.split_whitespace() {
            let (item, opens) = match item.strip_prefix('[') {
                Some(rest) if rest.contains('/') => (rest, true),
                _ => (item, false),
            };
            if opens {
                bracket_start = Some(words.len());
            }
            let (item, closing) = match item.rfind(']') {
                Some(at) if at > 0 && item[..at].contains('/') => (&item[..at], Some(&item[at + 1..])),
                _ => (item, None),
            };
            let (word, tag) = item
                .rsplit_once('/')
                .ok_or_else(|| CorpusError { line: i + 1, message: format!("expected `word/TAG`, found {item:?}") })?;
            if word.is_empty() {
                return Err(CorpusError { line: i + 1, message: format!("an empty word in {item:?}") });
            }
            words.push((word, tag));
            if let (Some(tag), Some(start)) = (closing, bracket_start) {
                if let Some(ty) = word_type("", tag).filter(|_| tag != "j") {
                    brackets.push((start, words.len(), ty));
                }
                bracket_start = None;
            }
        }
        if words.is_empty() {
            continue;
        }
        out.push(annotate(&words, &brackets));
    }
    Ok(out)
}

/// The names of one paragraph of words.
fn annotate(words: &[(&str, &str)], brackets: &[(usize, usize, EntityType)]) -> Annotated {
    // Names as word ranges: brackets first, then compounds rebuilt right to left, then single
    // words and runs of `nr`, each where nothing is yet.
    let mut names: Vec<(usize, usize, EntityType)> = brackets.to_vec();
    let taken = |names: &[(usize, usize, EntityType)], from: usize, to: usize| {
        names.iter().any(|&(s, e, _)| s < to && from < e)
    };
    let mut h = words.len();
    while h > 0 {
        h -= 1;
        let (word, tag) = words[h];
        let ty = if is_organisation_head(word, tag) {
            EntityType::Organisation
        } else if is_place_head(word, tag) {
            EntityType::Place
        } else {
            continue;
        };
        let mut start = h;
        while start > 0 && h - (start - 1) < 6 && extends(words[start - 1].1) {
            start -= 1;
        }
        // The name starts at its first proper word or scope (国际, 全国); a run of common nouns
        // is not a name, nor is a country's generic body (美国公司).
        let Some(first) = (start..h).find(|&k| is_proper(words[k].1) || SCOPES.contains(&words[k].0)) else {
            continue;
        };
        if h - first == 1 && words[first].1 == "ns" && GENERIC_HEADS.contains(&word) {
            continue;
        }
        if !taken(&names, first, h + 1) {
            names.push((first, h + 1, ty));
            h = first;
        }
    }
    let mut k = 0;
    while k < words.len() {
        let (word, tag) = words[k];
        let mut end = k + 1;
        if tag == "nr" {
            while end < words.len() && words[end].1 == "nr" && end - k < 2 {
                end += 1;
            }
        }
        let ty = word_type(word, tag)
            .or_else(|| is_body(word, tag).then_some(EntityType::Organisation))
            .or_else(|| PLACE_WORDS.contains(&word).then_some(EntityType::Place));
        if let Some(ty) = ty
            && !taken(&names, k, end)
        {
            names.push((k, end, ty));
        }
        k = end;
    }
    // Names inside a word: 访华 (华 a place), 中华民族 (中华), 邓小平理论 (a person).
    let mut inside: Vec<(usize, usize, usize, EntityType)> = Vec::new();
    for (k, &(word, tag)) in words.iter().enumerate() {
        if taken(&names, k, k + 1) {
            continue;
        }
        let chars: Vec<char> = word.chars().collect();
        if matches!(tag, "v" | "vn")
            && chars.len() == 2
            && TO_PLACE.contains(chars[0])
            && ABBREVIATED_PLACES.contains(chars[1])
        {
            inside.push((k, 1, 2, EntityType::Place));
        } else if matches!(tag, "n" | "nz") && chars.len() > 2 && word.starts_with("中华") {
            inside.push((k, 0, 2, EntityType::Place));
        } else if matches!(tag, "n" | "nz")
            && (word.ends_with("理论") || word.ends_with("思想"))
            && (4..=5).contains(&chars.len())
        {
            inside.push((k, 0, chars.len() - 2, EntityType::Person));
        }
    }
    names.sort();
    let mut text = String::new();
    let mut starts = Vec::with_capacity(words.len() + 1);
    let mut len = 0;
    for (word, _) in words {
        starts.push(len);
        text.push_str(word);
        len += word.chars().count();
    }
    starts.push(len);
    let mut entities: Vec<Entity> =
        names.into_iter().map(|(s, e, ty)| Entity { start: starts[s], end: starts[e], ty }).collect();
    entities.extend(inside.into_iter().map(|(k, from, to, ty)| Entity {
        start: starts[k] + from,
        end: starts[k] + to,
        ty,
    }));
    entities.sort();
    Annotated { text, entities }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityType::*;

    fn names(a: &Annotated) -> Vec<(String, EntityType)> {
        let chars: Vec<char> = a.text.chars().collect();
        a.entities.iter().map(|e| (chars[e.start..e.end].iter().collect(), e.ty)).collect()
    }

    fn owned(list: &[(&str, EntityType)]) -> Vec<(String, EntityType)> {
        list.iter().map(|&(s, t)| (s.to_owned(), t)).collect()
    }

    #[test]
    fn pku_names_surname_and_given_name_as_one_person() {
        let s = read_pku("中共中央/nt  总书记/n  、/w  国家/n  主席/n  江/nr  泽民/nr  在/p  北京/ns  讲话/v").unwrap();
        assert_eq!(names(&s[0]), owned(&[("中共中央", Organisation), ("江泽民", Person), ("北京", Place)]));
    }

    #[test]
    fn pku_compound_organisations_and_facilities_are_rebuilt() {
        let s = read_pku(
            "北京/ns  市/n  文化局/n  和/c  上海/ns  申花/nz  队/n  在/p  中国/ns  美术馆/n  ，/w  有关/vn  部门/n  与/p  中国/ns  社会/n",
        )
        .unwrap();
        assert_eq!(
            names(&s[0]),
            owned(&[
                ("北京市文化局", Organisation),
                ("上海申花队", Organisation),
                ("中国美术馆", Place),
                ("中国", Place)
            ])
        );
    }

    #[test]
    fn pku_abbreviations_of_countries_and_bodies() {
        let s = read_pku("中/j  美/j  双方/n  在/p  十五大/j  后/f  举办/v  奥运会/j").unwrap();
        assert_eq!(names(&s[0]), owned(&[("中", Place), ("美", Place), ("十五大", Organisation)]));
    }

    #[test]
    fn pku_bodies_scopes_and_names_inside_words() {
        let s = read_pku(
            "全国/n  政协/j  、/w  国际/n  货币/n  基金/n  组织/n  和/c  市委/n  ；/w  美国/ns  公司/n  访华/v  ，/w  中华民族/nz  、/w  邓小平理论/n  ，/w  三中全会/j",
        )
        .unwrap();
        assert_eq!(
            names(&s[0]),
            owned(&[
                ("全国政协", Organisation),
                ("国际货币基金组织", Organisation),
                ("市委", Organisation),
                ("美国", Place),
                ("华", Place),
                ("中华", Place),
                ("邓小平", Person),
            ])
        );
    }

    #[test]
    fn pku_brackets_where_present_win() {
        let s = read_pku("[国务院/nt  侨务/n  办公室/n]nt  主任/n").unwrap();
        assert_eq!(names(&s[0]), owned(&[("国务院侨务办公室", Organisation)]));
    }

    #[test]
    fn a_bad_pku_line_names_its_line() {
        let err = read_pku("北京/ns\n北京\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn bio_reads_back_what_it_writes() {
        let text = "北 B-LOC\n京 I-LOC\n的 O\n王 B-PER\n\n新 B-ORG\n华 I-ORG\n社 I-ORG\n";
        let sentences = read_bio(text).unwrap();
        assert_eq!(names(&sentences[0]), owned(&[("北京", Place), ("王", Person)]));
        assert_eq!(names(&sentences[1]), owned(&[("新华社", Organisation)]));
        assert_eq!(read_bio(&write_bio(&sentences)).unwrap(), sentences);
    }

    #[test]
    fn a_bad_bio_line_names_its_line_and_cause() {
        let err = read_bio("北 B-LOC\n京 X-LOC\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("unknown tag"), "{err}");
        assert_eq!(read_bio("北 B-GPE\n").unwrap_err().line, 1);
        assert_eq!(read_bio("北京 B-LOC\n").unwrap_err().line, 1);
    }
}
