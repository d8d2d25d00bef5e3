//! HTML to text through html5ever (via `scraper`): the browser's parse, then one walk of the tree.
//!
//! The parse keeps at most [`MAX_DEPTH`](crate::parse::MAX_DEPTH) elements open
//! ([`crate::parse`]), so it takes time proportional to the page's size. The walk is iterative
//! (first child, next sibling, parent), and it visits each node once. Scripts, styles, frames, forms and navigation are dropped
//! with everything inside them; comments are dropped; block elements end a line. Whitespace in
//! text follows CSS: runs collapse to one space, and a line break between two Han characters
//! disappears (the segment-break rule of CSS Text level 3 for Chinese), so source code wrapped
//! inside a paragraph does not split its sentences.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Node};
use zhpipe_core::Meta;

use crate::Tally;
use crate::pinyin::is_han;

static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)<(?:!doctype|!--|/?(?:html|head|body|meta|link|title|p|div|span|br|a|img|table|tr|td|ul|ol|li|h[1-6]|script|noscript|style|iframe|section|article|header|footer|nav|aside|figure|figcaption|strong|em|b|i|font|center|form|input|button|select|textarea|label)[\s>/])",
    )
    .unwrap()
});

/// Whether `text` is HTML rather than plain text that happens to contain a `<`: two tags
/// (opening or closing) or comments of the common kinds are enough.
pub fn looks_like_html(text: &str) -> bool {
    TAG.find_iter(text).take(2).count() == 2
}

/// Elements dropped with their content, and the kind their removal is counted under.
fn dropped(name: &str) -> Option<&'static str> {
    Some(match name {
        "script" | "noscript" | "template" => "html-script",
        "style" => "html-style",
        "iframe" | "frame" | "frameset" | "object" | "embed" | "canvas" | "svg" | "video" | "audio" => "html-embed",
        // Not `form` itself: ASP.NET and CMS pages wrap the whole article in one.
        "button" | "select" | "input" | "textarea" | "option" => "html-form",
        "nav" | "aside" | "footer" | "menu" => "html-navigation",
        _ => return None,
    })
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "hr"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "td"
            | "th"
            | "caption"
            | "section"
            | "article"
            | "header"
            | "main"
            | "blockquote"
            | "pre"
            | "figure"
            | "figcaption"
            | "address"
            | "center"
            | "body"
            | "html"
            | "fieldset"
            | "legend"
            | "details"
            | "summary"
    )
}

/// The text of a page: the article's, and, when the article was found inside a full page, the
/// rest of the page's text (where headers with the date and source usually are).
pub(crate) struct PageText {
    /// The visible text of the article (or of the whole document), one block per line.
    pub body: String,
    /// The visible text outside the article's element, when one was chosen.
    pub outside: Option<String>,
}

/// The visible text of `source`, one block per line, with `<title>`, `og:` and other `<meta>`
/// facts filled into `meta` where it has no value yet. With `extract_main`, a full page (one
/// with `<html>` or `<body>`) is reduced to the element that holds its article, when one stands
/// out (see [`main_content`]).
pub(crate) fn to_text(source: &str, extract_main: bool, meta: &mut Meta, tally: &mut Tally) -> PageText {
    let (html, flattened) = crate::parse::parse_document(source);
    tally.flattened += flattened;
    let full_page = FULL_PAGE.is_match(source);
    let main = if extract_main && full_page { main_content(&html).map(|e| e.id()) } else { None };
    let mut body = Writer { text: String::with_capacity(source.len() / 2), pre: 0 };
    let mut outside = Writer { text: String::new(), pre: 0 };
    let mut inside_main = main.is_none();
    let mut title: Option<String> = None;
    let mut caption: Option<String> = None;

    let root = html.tree.root();
    let mut node = root.first_child();
    while let Some(current) = node {
        if Some(current.id()) == main {
            inside_main = true;
        }
        let out = if inside_main { &mut body } else { &mut outside };
        // Open `current`; descend unless its subtree is dropped.
        let mut descend = false;
        match current.value() {
            Node::Text(t) => {
                if let Some(title) = title.as_mut() {
                    title.push_str(t);
                } else {
                    out.push_text(t);
                    if let Some(caption) = caption.as_mut() {
                        caption.push_str(t);
                    }
                }
            }
            Node::Comment(c) => tally.remove("html-comment", c.trim()),
            Node::Element(e) => {
                let name = e.name();
                if let Some(kind) = dropped(name) {
                    let text: String =
                        current.descendants().filter_map(|n| n.value().as_text().map(|t| &**t)).collect();
                    tally.remove(kind, text.trim());
                } else if name == "head" || name == "title" {
                    if name == "title" {
                        title = Some(String::new());
                    }
                    descend = true;
                } else if name == "meta" {
                    read_meta(e.attr("property").or(e.attr("name")), e.attr("content"), meta);
                } else if name == "link" {
                    if e.attr("rel").is_some_and(|r| r.eq_ignore_ascii_case("canonical")) && meta.url.is_none() {
                        meta.url = e.attr("href").map(str::to_owned);
                    }
                } else {
                    if is_block(name) {
                        out.break_line();
                    }
                    if name == "pre" {
                        out.pre += 1;
                    }
                    if name == "figcaption" {
                        caption = Some(String::new());
                    }
                    descend = true;
                }
            }
            _ => descend = true,
        }
        if let Some(child) = current.first_child().filter(|_| descend) {
            node = Some(child);
            continue;
        }
        // Close `current` and every ancestor whose last child this was.
        let mut closing = current;
        loop {
            let out = if inside_main { &mut body } else { &mut outside };
            close(closing.value(), out, &mut title, &mut caption, meta, tally);
            if Some(closing.id()) == main {
                inside_main = false;
            }
            if let Some(next) = closing.next_sibling() {
                node = Some(next);
                break;
            }
            match closing.parent() {
                Some(parent) if parent.id() != root.id() => closing = parent,
                _ => {
                    node = None;
                    break;
                }
            }
        }
    }
    PageText { body: body.text, outside: main.map(|_| outside.text) }
}

static FULL_PAGE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)<(?:html|body)[\s>]").unwrap());

/// The element that holds the article of a full page, found by where the paragraphs are (the
/// idea of Readability and of GeneralNewsExtractor's text density): every run of text of at
/// least ten letters outside links scores 1, plus one per comma, plus its length in hundreds of
/// letters (at most 3); the score goes to its block element and that block's parent, half of it
/// to the grandparent. The best element, discounted by the share of its letters that are link
/// text and weighted by its class and id ([`class_weight`]), wins if it scores at least
/// [`MIN_MAIN_SCORE`]; ties go to the deeper element.
pub(crate) fn main_content(html: &Html) -> Option<ElementRef<'_>> {
    use std::collections::HashMap;
    let mut scores = HashMap::new();
    for node in html.tree.nodes() {
        let Node::Text(text) = node.value() else {
            continue;
        };
        let letters = text.chars().filter(|&c| crate::normalize::is_letter(c)).count();
        if letters < 10 {
            continue;
        }
        let mut block = None;
        let mut in_link = false;
        // Bounded, so that text under 10,000 nested inline elements stays linear.
        // Link text does not count, even when the link wraps whole blocks (recommendation cards).
        for ancestor in node.ancestors().take(64) {
            if let Node::Element(e) = ancestor.value() {
                let name = e.name();
                if name == "a" || dropped(name).is_some() || name == "head" {
                    in_link = true;
                    break;
                }
                if block.is_none() && is_block(name) {
                    block = Some(ancestor);
                }
            }
        }
        let Some(block) = block.filter(|_| !in_link) else {
            continue;
        };
        let commas = text.chars().filter(|c| matches!(c, '，' | ',' | '。')).count();
        let score = 1.0 + commas as f64 + (letters as f64 / 100.0).min(3.0);
        *scores.entry(block.id()).or_insert(0.0) += score;
        if let Some(parent) = block.parent() {
            *scores.entry(parent.id()).or_insert(0.0) += score;
            if let Some(grandparent) = parent.parent() {
                *scores.entry(grandparent.id()).or_insert(0.0) += score / 2.0;
            }
        }
    }
    let mut ranked: Vec<_> = scores.into_iter().collect();
    // Ties in score are ordered by position in the document, so that the result never depends
    // on the hash map's order.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(16);
    let targets: Vec<ElementRef<'_>> =
        ranked.iter().filter_map(|(id, _)| html.tree.get(*id).and_then(ElementRef::wrap)).collect();
    let counts = letter_counts(html, &targets);
    let mut best = None;
    for (i, (id, score)) in ranked.into_iter().enumerate() {
        let node = html.tree.get(id)?;
        let (letters, link_letters) = counts.get(i).copied().unwrap_or((0, 0));
        let density = if letters == 0 { 1.0 } else { link_letters as f64 / letters as f64 };
        let adjusted: f64 = score * (1.0 - density) * class_weight(node.value());
        let best_so_far: Option<(_, f64, usize)> = best;
        let depth = node.ancestors().count();
        let better = match best_so_far {
            None => true,
            Some((_, s, d)) => adjusted > s + 1e-9 || ((adjusted - s).abs() <= 1e-9 && depth > d),
        };
        if better {
            best = Some((node, adjusted, depth));
        }
    }
    best.filter(|&(_, score, _)| score >= MIN_MAIN_SCORE).and_then(|(node, _, _)| ElementRef::wrap(node))
}

/// For each of `targets`, the letters (and digits) of the visible text under it and how many of
/// them are link text. One post-order walk of the whole tree with a stack of running counts and
/// a count of open `<a>` elements, skipping dropped elements, so that nested candidates cost no
/// more than one.
fn letter_counts(html: &Html, targets: &[ElementRef<'_>]) -> Vec<(usize, usize)> {
    let mut result = vec![(0, 0); targets.len()];
    let is_link = |n: &Node| n.as_element().is_some_and(|e| e.name() == "a");
    let root = html.tree.root();
    // One (letters, link letters) accumulator per open node, the root's at the bottom.
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    let mut open_links = 0usize;
    let mut node = root.first_child();
    while let Some(current) = node {
        let value = current.value();
        let mut descend = true;
        match value {
            Node::Text(t) => {
                let n = t.chars().filter(|&c| crate::normalize::is_letter(c)).count();
                let top = stack.last_mut().expect("the root's accumulator");
                top.0 += n;
                if open_links > 0 {
                    top.1 += n;
                }
            }
            Node::Element(e) if dropped(e.name()).is_some() => descend = false,
            _ => {}
        }
        let child = current.first_child().filter(|_| descend && value.is_element());
        if let Some(child) = child {
            if is_link(value) {
                open_links += 1;
            }
            stack.push((0, 0));
            node = Some(child);
            continue;
        }
        // `current` is closed at once (a leaf or skipped); then each ancestor it was the last of.
        let mut closing = current;
        let mut closing_opened = false;
        loop {
            if closing_opened {
                let (letters, links) = stack.pop().expect("an accumulator per open element");
                if is_link(closing.value()) {
                    open_links = open_links.saturating_sub(1);
                }
                if let Some(element) = ElementRef::wrap(closing) {
                    for (i, target) in targets.iter().enumerate() {
                        if *target == element {
                            result[i] = (letters, links);
                        }
                    }
                }
                let top = stack.last_mut().expect("the root's accumulator");
                top.0 += letters;
                top.1 += links;
            }
            if let Some(next) = closing.next_sibling() {
                node = Some(next);
                break;
            }
            match closing.parent() {
                Some(parent) if parent.id() != root.id() => {
                    closing = parent;
                    closing_opened = true;
                }
                _ => {
                    node = None;
                    break;
                }
            }
        }
    }
    result
}

static NEGATIVE_CLASS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)comment|reply|related|recommend|sidebar|side-bar|footer|foot|share|promo|sponsor|banner|hot|rank|tuijian|pinglun|xiangguan").unwrap()
});
static POSITIVE_CLASS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)article|content|main|post|text|story|body|zhengwen|detail|neirong").unwrap());

/// Readability's class and id hints: comment threads and related-link boxes are long and full
/// of commas, so their names count against them.
fn class_weight(node: &Node) -> f64 {
    let Some(e) = node.as_element() else {
        return 1.0;
    };
    let names = format!("{} {}", e.attr("class").unwrap_or(""), e.attr("id").unwrap_or(""));
    if NEGATIVE_CLASS.is_match(&names) {
        0.25
    } else if POSITIVE_CLASS.is_match(&names) {
        1.5
    } else {
        1.0
    }
}

/// The least score of an article element: about three sentences of text.
const MIN_MAIN_SCORE: f64 = 6.0;

fn close(
    node: &Node,
    out: &mut Writer,
    title: &mut Option<String>,
    caption: &mut Option<String>,
    meta: &mut Meta,
    tally: &mut Tally,
) {
    let Node::Element(e) = node else { return };
    let name = e.name();
    if dropped(name).is_some() {
        return;
    }
    if is_block(name) {
        out.break_line();
    }
    match name {
        "pre" => out.pre = out.pre.saturating_sub(1),
        "title" => {
            if let Some(t) = title.take() {
                let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                if meta.title.is_none() && !t.is_empty() {
                    meta.title = Some(t);
                }
            }
        }
        "figcaption" => {
            if let Some(c) = caption.take() {
                let c = c.trim();
                if !c.is_empty() {
                    // The caption's text was written to the body; the line pass finds it there
                    // by this exact text and moves it to the captions.
                    tally.figcaptions.push(c.split_whitespace().collect::<Vec<_>>().join(" "));
                }
            }
        }
        _ => {}
    }
}

/// `<meta property|name=… content=…>`.
fn read_meta(key: Option<&str>, content: Option<&str>, meta: &mut Meta) {
    let (Some(key), Some(content)) = (key, content) else {
        return;
    };
    let content = content.trim();
    if content.is_empty() {
        return;
    }
    let key = key.to_ascii_lowercase();
    let slot = match key.as_str() {
        "og:title" => &mut meta.title,
        "og:image" => &mut meta.image,
        "og:url" => &mut meta.url,
        "og:site_name" => &mut meta.site,
        "author" | "article:author" => &mut meta.author,
        "article:published_time" | "pubdate" | "publishdate" | "ptime" | "publish_time" => {
            if meta.published.is_none() {
                meta.published = Some(crate::date::parse(content).unwrap_or_else(|| content.to_owned()));
            }
            return;
        }
        "og:description" | "description" | "keywords" | "og:type" | "article:section" | "article:tag" => {
            meta.extra.entry(key).or_insert_with(|| content.into());
            return;
        }
        _ => return,
    };
    if slot.is_none() {
        *slot = Some(content.to_owned());
    }
}

struct Writer {
    text: String,
    pre: usize,
}

impl Writer {
    fn break_line(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }

    fn push_text(&mut self, t: &str) {
        if self.pre > 0 {
            self.text.push_str(t);
            return;
        }
        let mut chars = t.chars().peekable();
        while let Some(c) = chars.next() {
            if !c.is_ascii_whitespace() {
                self.text.push(c);
                continue;
            }
            let mut newline = c == '\n';
            while let Some(&n) = chars.peek() {
                if !n.is_ascii_whitespace() {
                    break;
                }
                newline |= n == '\n';
                chars.next();
            }
            let before = self.text.chars().next_back();
            let after = chars.peek().copied();
            if newline && before.is_some_and(is_han) && after.is_some_and(is_han) {
                continue;
            }
            if before.is_some_and(|b| b != ' ' && b != '\n') {
                self.text.push(' ');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> (String, Meta, Tally) {
        let mut meta = Meta::default();
        let mut tally = Tally::new(true);
        let text = to_text(html, true, &mut meta, &mut tally).body;
        (text, meta, tally)
    }

    #[test]
    fn detects_html_and_plain_text() {
        assert!(looks_like_html("<p>一</p><p>二</p>"));
        assert!(looks_like_html("<!DOCTYPE html><html>"));
        assert!(!looks_like_html("a < b，且 c > d"));
        assert!(!looks_like_html("当前位置:首页 > 省部要闻"));
    }

    #[test]
    fn drops_scripts_styles_frames_and_comments() {
        let (t, _, tally) = text(
            "<p>京津冀</p><script>var a = '<p>x</p>';</script><style>.a{}</style><iframe src=x>框</iframe><!-- 注释 --><p>协同</p>",
        );
        assert_eq!(t.trim(), "京津冀\n协同");
        for kind in ["html-script", "html-style", "html-embed", "html-comment"] {
            assert_eq!(tally.count(kind), 1, "{kind}");
        }
    }

    #[test]
    fn decodes_entities() {
        let (t, _, _) = text("<p>&#123;&#x4EAC;&amp;&lt;&nbsp;&ldquo;津&rdquo;</p>");
        assert_eq!(t.trim(), "{京&<\u{a0}“津”");
    }

    #[test]
    fn inline_elements_stay_in_the_sentence() {
        let (t, _, _) = text(
            r#"<p>支持天津加快建设<span id="stock_sz000065"><a href="x">北方国际</a></span><span id="quote_sz000065"></span>航运枢纽。</p>"#,
        );
        assert_eq!(t.trim(), "支持天津加快建设北方国际航运枢纽。");
    }

    #[test]
    fn wrapped_han_lines_join_without_space() {
        let (t, _, _) = text("<p>京津\n  冀协同 发展\nPM2.5\n浓度</p>");
        assert_eq!(t.trim(), "京津冀协同 发展 PM2.5 浓度");
    }

    #[test]
    fn title_and_og_meta() {
        let (t, meta, _) = text(
            r#"<html><head><title>标题一</title><meta property="og:image" content="https://x/y.png"><meta name="pubdate" content="2024-05-14 16:41"></head><body><p>正文</p></body></html>"#,
        );
        assert_eq!(t.trim(), "正文");
        assert_eq!(meta.title.as_deref(), Some("标题一"));
        assert_eq!(meta.image.as_deref(), Some("https://x/y.png"));
        assert_eq!(meta.published.as_deref(), Some("2024-05-14T16:41:00"));
    }
}
