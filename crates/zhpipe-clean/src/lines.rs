//! The line pass: each normalised line is article text or one kind of boilerplate.
//!
//! Pages and PDFs are judged line by line because that is how their furniture arrives: a
//! breadcrumb, a header of `label：value` fields, a widget bar, a caption and a link farm each
//! fill a line of their own once HTML blocks have become lines. What is learnt on the way (the
//! date, the source, the editors, the captions, the title) goes to `meta`.
//!
//! PDF layout is decided per document, from its page furniture (`23 第 22 期`): only then are
//! broken lines joined, because in a web page a line without final punctuation is a heading, and
//! joining it to the next paragraph would destroy it.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use zhpipe_core::Meta;

use crate::normalize::{self, Changes, is_cjk_punct};
use crate::pinyin::is_han;
use crate::rules::Rules;
use crate::{Layout, Tally, date};

static ENUMERATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[一二三四五六七八九十]+[是、．.]|[（(][一二三四五六七八九十0-9]+[）)]|[0-9]+[、．]|[0-9]+\.\D|第[一二三四五六七八九十百0-9]+[，、条章节條節])").unwrap()
});

/// Characters that end a paragraph in PDF text; anything else at the end of a line means the
/// sentence goes on in the next one. `；` is deliberately absent: a page break after a clause is
/// common, and enumerations that end items with `；` are protected by [`ENUMERATION`].
fn ends_paragraph(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '…' | '”' | '’' | '」' | '』' | '）' | ')' | '】' | '》' | '：' | ':')
}

fn has_clause_punct(line: &str) -> bool {
    line.contains(['，', '。', '、', '；', '：', '！', '？'])
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Cleans the lines of one document (already normalised and non-empty).
pub(crate) fn clean(
    lines: Vec<String>,
    rules: &Rules,
    layout: Layout,
    meta: &mut Meta,
    tally: &mut Tally,
    changes: &mut Changes,
) -> Vec<String> {
    let is_furniture = |l: &str| rules.furniture.iter().any(|r| r.is_match(l));
    let pdf = match layout {
        Layout::Pdf => true,
        Layout::Web => false,
        Layout::Auto => lines.iter().any(|l| is_furniture(l)),
    };
    let mut slots: Vec<Option<String>> = lines.into_iter().map(Some).collect();

    if pdf {
        remove_cover(&mut slots, rules, meta, tally, &is_furniture);
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for line in slots.iter().flatten() {
            if chars(line) <= rules.repeated_max_chars {
                *seen.entry(line.as_str()).or_default() += 1;
            }
        }
        let repeated: Vec<String> =
            seen.into_iter().filter(|&(_, n)| n >= rules.repeated_min).map(|(l, _)| l.to_owned()).collect();
        for slot in &mut slots {
            if slot.as_deref().is_some_and(|l| is_furniture(l) || repeated.iter().any(|r| r == l)) {
                tally.remove("furniture", &slot.take().unwrap_or_default());
            }
        }
    }

    for slot in &mut slots {
        let Some(line) = slot.as_deref() else {
            continue;
        };
        if let Some(kind) = classify(line, rules, meta, tally) {
            tally.remove(kind, line);
            *slot = None;
        }
    }

    let mut kept: Vec<String> = slots.into_iter().flatten().collect();
    collapse_title(&mut kept, rules, meta, tally);
    if pdf {
        kept = join_broken(kept, rules, tally, changes);
    }
    kept
}

/// A PDF's cover: the short lines at the top, up to the last one that is furniture or a date
/// (`河北轨道运输职业技术学院 / 政治学习资料 / 宣传统战部编印 / 23 第 22 期 / 2023年5月`). The
/// title that follows them stays.
fn remove_cover(
    slots: &mut [Option<String>],
    rules: &Rules,
    meta: &mut Meta,
    tally: &mut Tally,
    is_furniture: &dyn Fn(&str) -> bool,
) {
    let lead = slots
        .iter()
        .take_while(|s| s.as_deref().is_some_and(|l| chars(l) <= rules.title_max_chars && !has_clause_punct(l)))
        .count();
    let last_marker = (0..lead).rev().find(|&i| {
        let line = slots[i].as_deref().unwrap_or_default();
        is_furniture(line) || date::parse(line).is_some()
    });
    let Some(last) = last_marker else { return };
    for slot in &mut slots[..=last] {
        let line = slot.take().unwrap_or_default();
        if is_furniture(&line) {
            tally.remove("furniture", &line);
        } else if let Some(iso) = date::parse(&line) {
            meta.published.get_or_insert(iso);
            tally.remove("header", &line);
        } else {
            tally.remove("cover", &line);
        }
    }
}

/// The kind of boilerplate `line` is, after moving what it says into `meta`; `None` for text.
fn classify(line: &str, rules: &Rules, meta: &mut Meta, tally: &mut Tally) -> Option<&'static str> {
    let n = chars(line);
    if tally.figcaptions.iter().any(|c| c == line) {
        meta.captions.push(line.to_owned());
        return Some("caption");
    }
    if rules.breadcrumb.iter().any(|r| r.is_match(line)) {
        if let Some(title) = rules.breadcrumb_title.as_ref().and_then(|r| r.captures(line)).and_then(|c| c.get(1))
            && meta.title.is_none()
        {
            meta.title = Some(title.as_str().trim().to_owned());
        }
        return Some("breadcrumb");
    }
    if n <= rules.header.max_line_chars && header(line, rules, meta) {
        return Some("header");
    }
    if n <= 60
        && let Some(names) = rules.editor_line.captures(line).and_then(|c| c.get(1))
    {
        for name in names.as_str().split(['、', '，', ',', '/', '；']) {
            let name = rules.editor_code.replace(name.trim(), "");
            let name = name.trim();
            if !name.is_empty() && !meta.editors.iter().any(|e| e == name) {
                meta.editors.push(name.to_owned());
            }
        }
        return Some("editor");
    }
    if let Some(title) = rules.original_title.captures(line).and_then(|c| c.get(1))
        && n <= rules.title_max_chars + 6
    {
        if meta.title.is_none() {
            meta.title = Some(title.as_str().trim().to_owned());
        }
        return Some("repeated-title");
    }
    if is_link_farm(line, rules) {
        return Some("link-farm");
    }
    if n <= rules.widget_max_chars {
        let letters = line.chars().filter(|&c| crate::normalize::is_letter(c)).count();
        let covered: usize = rules.widget_words.find_iter(line).map(|m| chars(m.as_str())).sum();
        if letters == 0 || covered as f64 >= rules.widget_min_coverage * letters as f64 {
            return Some(if letters == 0 { "symbols" } else { "widget" });
        }
    }
    if n <= rules.app_download_max_chars && rules.app_download.iter().any(|r| r.is_match(line)) {
        return Some("app-download");
    }
    if n <= rules.caption_max_chars && rules.caption.iter().any(|r| r.is_match(line)) {
        meta.captions.push(line.to_owned());
        return Some("caption");
    }
    None
}

/// A line made only of header fields (`• 发布日期：…`, `2022年02月26日12:29 来源：…`) or of one
/// date. Fills `meta` and returns `true` if so; leaves `meta` alone otherwise.
pub(crate) fn header(line: &str, rules: &Rules, meta: &mut Meta) -> bool {
    let line = line.trim_start_matches(['•', '·', '●', '◆', '■', '*', '-', ' ']);
    let labels: Vec<regex::Captures<'_>> = rules.header.label.captures_iter(line).collect();
    let first = labels.first().map_or(line.len(), |c| c.get(0).map_or(0, |m| m.start()));
    let prefix = line[..first].trim();
    let mut published = None;
    if !prefix.is_empty() {
        match date::parse(prefix) {
            Some(iso) => published = Some(iso),
            None => return false,
        }
    }
    if labels.is_empty() {
        let Some(p) = published else { return false };
        meta.published.get_or_insert(p);
        return true;
    }
    let (mut source, mut author) = (None, None);
    for (i, field) in labels.iter().enumerate() {
        let whole = field.get(0).expect("group 0");
        let end = labels.get(i + 1).map_or(line.len(), |next| next.get(0).map_or(line.len(), |m| m.start()));
        let value = line[whole.end()..end].trim();
        let label = &field[1];
        let plausible = chars(value) <= 40 && !value.contains('。');
        if rules.header.published.contains(label) {
            match date::parse(value) {
                Some(iso) => published = published.or(Some(iso)),
                None => return false,
            }
        } else if rules.header.source.contains(label) {
            if !plausible {
                return false;
            }
            source = source.or((!value.is_empty()).then(|| value.to_owned()));
        } else if rules.header.author.contains(label) {
            if !plausible {
                return false;
            }
            author = author.or((!value.is_empty()).then(|| value.to_owned()));
        }
    }
    if let Some(p) = published {
        meta.published.get_or_insert(p);
    }
    if let Some(s) = source {
        meta.source.get_or_insert(s);
    }
    if let Some(a) = author {
        meta.author.get_or_insert(a);
    }
    true
}

fn is_link_farm(line: &str, rules: &Rules) -> bool {
    let separators = line.chars().filter(|c| rules.link_farm_separators.contains(c)).count();
    if separators + 1 < rules.link_farm_min_items {
        return false;
    }
    let items: Vec<&str> =
        line.split(&rules.link_farm_separators[..]).map(str::trim).filter(|s| !s.is_empty()).collect();
    items.len() >= rules.link_farm_min_items && items.iter().all(|i| chars(i) <= rules.link_farm_max_item_chars)
}

/// Takes the first line as the title when none is known and it looks like one, then removes
/// every later line that repeats the known title or that first line. Both are collapsed whatever
/// the source of the title, so that cleaning the output again (where only the first line can say
/// what the title is) removes nothing more.
fn collapse_title(kept: &mut Vec<String>, rules: &Rules, meta: &mut Meta, tally: &mut Tally) {
    let first_line_title = kept.first().filter(|first| {
        let last = first.chars().next_back().unwrap_or(' ');
        chars(first) <= rules.title_max_chars && !ends_paragraph(last) && !first.contains('。')
    });
    let mut titles: Vec<String> = meta.title.iter().cloned().collect();
    if let Some(first) = first_line_title {
        titles.push(first.clone());
        meta.title.get_or_insert_with(|| first.clone());
    }
    let mut seen = vec![false; titles.len()];
    kept.retain(|line| {
        let Some(i) = titles.iter().position(|t| t == line) else {
            return true;
        };
        if !seen[i] {
            seen[i] = true;
            return true;
        }
        tally.remove("repeated-title", line);
        false
    });
}

/// Joins the lines of a paragraph that a page or column break split.
fn join_broken(lines: Vec<String>, rules: &Rules, tally: &mut Tally, changes: &mut Changes) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for line in lines {
        if let Some(last) = out.last_mut() {
            let end = last.chars().next_back().unwrap_or('。');
            let start = line.chars().next().unwrap_or(' ');
            let broken = !ends_paragraph(end)
                && (has_clause_punct(last) || chars(last) > rules.title_max_chars)
                && (is_han(start) || start.is_ascii_alphanumeric() || start == '“')
                && !ENUMERATION.is_match(&line);
            if broken {
                let wide = |c: char| is_han(c) || is_cjk_punct(c);
                let glue = if wide(end) || wide(start) { "" } else { " " };
                let joined = format!("{last}{glue}{line}");
                *last = normalize::line(&joined, changes);
                tally.joined += 1;
                continue;
            }
        }
        out.push(line);
    }
    out
}
