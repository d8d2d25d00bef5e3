//! html5ever's parse with the nesting it keeps capped, so that any page is parsed in time
//! proportional to its size.
//!
//! The tree builder checks the stack of open elements on every tag ("is a `<p>` in button
//! scope?"), so 100,000 nested `<div>`s cost 100,000² steps. Between html5ever's tokenizer and
//! its tree builder sits a filter that counts open elements: past [`MAX_DEPTH`], start tags (and
//! as many end tags) no longer reach the tree builder. Their text still does, so nothing of the
//! page's text is lost; only structure deeper than any real page's is flattened. Elements that
//! switch the tokenizer's state (scripts, styles, text areas) are always passed on, so their
//! content is never read as text.

use std::cell::Cell;

use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts, TreeSink};
use scraper::{Html, HtmlTreeSink};

/// Open elements the tree builder is given at most.
pub(crate) const MAX_DEPTH: usize = 256;

/// Parses a whole document as `Html::parse_document` does, with nesting capped at
/// [`MAX_DEPTH`]. Returns the tree and how many start tags were flattened.
pub(crate) fn parse_document(source: &str) -> (Html, u64) {
    let builder = TreeBuilder::new(HtmlTreeSink::new(Html::new_document()), TreeBuilderOpts::default());
    let filter = DepthCap { inner: builder, depth: Cell::new(0), excess: Cell::new(0), flattened: Cell::new(0) };
    let tokenizer = Tokenizer::new(filter, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(source));
    // The tokenizer stops after each `</script>` for the script to run; there is none to run.
    while let TokenizerResult::Script(_) = tokenizer.feed(&input) {}
    tokenizer.end();
    let flattened = tokenizer.sink.flattened.get();
    (tokenizer.sink.inner.sink.finish(), flattened)
}

/// Passes tokens on to `inner`, except the tags that would open elements past [`MAX_DEPTH`].
struct DepthCap<S> {
    inner: S,
    /// Elements counted open.
    depth: Cell<usize>,
    /// Start tags dropped and not yet matched by a dropped end tag.
    excess: Cell<usize>,
    flattened: Cell<u64>,
}

/// Whether a tag opens an element the filter counts: not void, not one whose end tag pages
/// usually leave out (so that thousands of unclosed `<p>`s do not read as depth), and not one
/// that changes how the tokenizer reads what follows.
fn counted(name: &str) -> bool {
    !matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
            | "param"
            | "keygen"
            | "basefont"
            | "bgsound"
            | "frame"
            | "p"
            | "li"
            | "dt"
            | "dd"
            | "option"
            | "optgroup"
            | "tr"
            | "td"
            | "th"
            | "thead"
            | "tbody"
            | "tfoot"
            | "colgroup"
            | "caption"
            | "rb"
            | "rt"
            | "rtc"
            | "rp"
            | "html"
            | "head"
            | "body"
            | "script"
            | "style"
            | "textarea"
            | "title"
            | "xmp"
            | "iframe"
            | "noembed"
            | "noframes"
            | "noscript"
            | "plaintext"
            | "template"
            | "svg"
            | "math"
    )
}

impl<S: TokenSink> TokenSink for DepthCap<S> {
    type Handle = S::Handle;

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<S::Handle> {
        if let Token::TagToken(tag) = &token
            && counted(&tag.name)
        {
            match tag.kind {
                TagKind::StartTag if tag.self_closing => {}
                TagKind::StartTag if self.depth.get() >= MAX_DEPTH => {
                    self.excess.set(self.excess.get() + 1);
                    self.flattened.set(self.flattened.get() + 1);
                    return TokenSinkResult::Continue;
                }
                TagKind::StartTag => self.depth.set(self.depth.get() + 1),
                TagKind::EndTag if self.excess.get() > 0 => {
                    self.excess.set(self.excess.get() - 1);
                    return TokenSinkResult::Continue;
                }
                TagKind::EndTag => self.depth.set(self.depth.get().saturating_sub(1)),
            }
        }
        self.inner.process_token(token, line_number)
    }

    fn end(&self) {
        self.inner.end();
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.inner.adjusted_current_node_present_but_not_in_html_namespace()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &Html) -> String {
        html.root_element().text().collect()
    }

    #[test]
    fn a_page_within_the_cap_parses_as_html5ever_parses_it() {
        let page = "<html><head><title>标题</title><script>if (a < b) {}</script></head><body><div><p>京津冀<p>协同<b>发展</b></div></body></html>";
        let (capped, flattened) = parse_document(page);
        assert_eq!(flattened, 0);
        assert_eq!(capped.html(), Html::parse_document(page).html());
    }

    #[test]
    fn nesting_past_the_cap_is_flattened_and_its_text_kept() {
        let depth = 2 * MAX_DEPTH;
        let page = format!("{}<p>京津冀协同发展。</p>{}<p>后文</p>", "<div>".repeat(depth), "</div>".repeat(depth));
        let (html, flattened) = parse_document(&page);
        assert_eq!(flattened, (depth - MAX_DEPTH) as u64);
        assert_eq!(text(&html), "京津冀协同发展。后文");
        let deepest = html.tree.nodes().map(|n| n.ancestors().count()).max().unwrap();
        assert!(deepest <= MAX_DEPTH + 4, "{deepest}");
    }

    #[test]
    fn scripts_past_the_cap_are_still_scripts() {
        let page = format!("{}<script>var x = '<p>不是正文</p>';</script><p>正文</p>", "<div>".repeat(MAX_DEPTH + 10));
        let (html, _) = parse_document(&page);
        let script = scraper::Selector::parse("script").unwrap();
        assert_eq!(html.select(&script).count(), 1);
    }
}
