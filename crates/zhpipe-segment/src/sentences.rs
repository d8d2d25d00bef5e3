//! Sentence splitting for Chinese text.
//!
//! A sentence ends after `。！？；`, their half-width forms `!?;`, an ellipsis of two or more
//! `…`/`⋯`, or a line break. Closing quotes and brackets right after the terminator stay with the
//! sentence they close (`他说：“要干。”` is one sentence).
//!
//! A key design decision: quotations and brackets nest. A terminator inside an open quotation
//! does not end the sentence, so a quoted passage that holds its own `。` (a speech, a slogan
//! list with `、`) stays whole; the sentence ends where the quotation closes right after a
//! terminator. Damaged text often opens a quotation and never closes it, so an opener that stays
//! open for more than [`MAX_QUOTE_BYTES`] stops counting, and a line break always resets the
//! nesting: one lost `”` costs at most one long sentence, never the rest of the document.
//!
//! `.` never ends a sentence, so decimals (`2.88万`, `PM2.5`) and dotted dates (`2024.05.14`)
//! are never split; a half-width `!?;` followed by an ASCII letter or digit (a URL's query, an
//! entity) is not a terminator either.

use zhpipe_core::Span;

/// How far past its opener a quotation or bracket may run before it is taken as unbalanced
/// (about 300 Chinese characters: longer than any sentence of the samples, shorter than a
/// paragraph).
pub const MAX_QUOTE_BYTES: usize = 900;

/// For each byte that starts a character, how far to skip when the character cannot matter to
/// the splitter (its UTF-8 length), or 0 when it may: line breaks, the ASCII terminators and
/// brackets, and the lead bytes of U+2000–U+2FFF (`“”‘’…⋯`), U+3000–U+3FFF
/// (`。《》「」『』【】〔〕〖〗〈〉`) and U+F000–U+FFFF (`！？；（）［］｡`).
static SKIP: [u8; 256] = {
    let mut table = [1u8; 256];
    let mut b = 0xC0;
    while b < 0x100 {
        table[b] = if b < 0xE0 {
            2
        } else if b < 0xF0 {
            3
        } else {
            4
        };
        b += 1;
    }
    let matter = [b'\n', b'\r', b'!', b'?', b';', b'(', b')', 0xE2, 0xE3, 0xEF];
    let mut i = 0;
    while i < matter.len() {
        table[matter[i] as usize] = 0;
        i += 1;
    }
    table
};

fn is_opener(c: char) -> bool {
    matches!(c, '“' | '‘' | '「' | '『' | '《' | '（' | '(' | '【' | '〔' | '〖' | '［' | '〈')
}

fn is_closer(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '》' | '）' | ')' | '】' | '〕' | '〗' | '］' | '〉')
}

fn is_full_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '｡')
}

fn is_half_terminator(c: char) -> bool {
    matches!(c, '!' | '?' | ';')
}

fn is_ellipsis(c: char) -> bool {
    matches!(c, '…' | '⋯')
}

/// Splits `text` into sentences and appends their spans to `out`, in order.
///
/// Spans are trimmed of surrounding whitespace (including the ideographic space `U+3000`) and
/// never empty, so every non-whitespace character of `text` lies in exactly one sentence.
pub fn split_sentences(text: &str, out: &mut Vec<Span>) {
    let bytes = text.as_bytes();
    let mut start = 0;
    // Nesting of quotations and brackets, and where the outermost one opened.
    let mut depth = 0usize;
    let mut opened_at = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        // Ideographs, letters, digits, most punctuation: skipped undecoded, in a tight loop;
        // runs of ideographs (lead bytes E4–E9, three bytes each) in a tighter one, whose step
        // does not wait on a table lookup.
        while let Some(&b) = bytes.get(i) {
            if b.wrapping_sub(0xE4) < 6 {
                i += 3;
                continue;
            }
            match SKIP[b as usize] {
                0 => break,
                step => i += step as usize,
            }
        }
        let Some(&b) = bytes.get(i) else { break };
        if b == b'\n' || b == b'\r' {
            push_trimmed(text, start, i, out);
            depth = 0;
            i += 1;
            start = i;
            continue;
        }
        let c = text[i..].chars().next().expect("i is on a char boundary");
        let len = c.len_utf8();
        if is_opener(c) {
            if depth == 0 {
                opened_at = i;
            }
            depth += 1;
            i += len;
            continue;
        }
        if is_closer(c) {
            depth = depth.saturating_sub(1);
            i += len;
            continue;
        }
        let next = || text[i + len..].chars().next();
        let terminates = is_full_terminator(c)
            || (is_half_terminator(c) && !next().is_some_and(|n| n.is_ascii_alphanumeric()))
            || (is_ellipsis(c) && next().is_some_and(is_ellipsis));
        if !terminates {
            i += len;
            continue;
        }
        if depth > 0 && i - opened_at > MAX_QUOTE_BYTES {
            // The quotation never closed: stop treating the rest as quoted.
            depth = 0;
        }
        // Take further terminators and the closing quotes and brackets that follow.
        let mut end = i + len;
        let mut closing_depth = depth;
        while let Some(n) = text[end..].chars().next() {
            if is_full_terminator(n) || is_half_terminator(n) || is_ellipsis(n) {
                end += n.len_utf8();
            } else if is_closer(n) && !matches!(n, '》' | '〉') {
                closing_depth = closing_depth.saturating_sub(1);
                end += n.len_utf8();
            } else if matches!(n, '"' | '\'') && closes_ascii_quote(&text[end + 1..]) {
                end += 1;
            } else {
                break;
            }
        }
        if closing_depth == 0 {
            push_trimmed(text, start, end, out);
            depth = 0;
            start = end;
        } else {
            // Inside a quotation that goes on: the sentence goes on with it.
            depth = closing_depth;
        }
        i = end;
    }
    push_trimmed(text, start, bytes.len(), out);
}

/// Whether an ASCII quote after a terminator closes it (rather than opening the next sentence):
/// it does when nothing but whitespace or more closing punctuation follows it.
fn closes_ascii_quote(rest: &str) -> bool {
    match rest.chars().next() {
        None => true,
        Some(c) => c.is_whitespace() || is_closer(c) || is_full_terminator(c),
    }
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    let piece = &text[start..end];
    // Most sentences neither start nor end with whitespace: push them without trimming.
    if !piece.is_empty() && !crate::is_space(piece) && !piece.ends_with(char::is_whitespace) {
        out.push(Span::new(start, end));
        return;
    }
    let trimmed_start = piece.trim_start();
    if trimmed_start.is_empty() {
        return;
    }
    let s = start + (piece.len() - trimmed_start.len());
    let e = s + trimmed_start.trim_end().len();
    out.push(Span::new(s, e));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        split_sentences(text, &mut spans);
        spans.iter().map(|s| &text[s.range()]).collect()
    }

    macro_rules! t {
        ($name:ident, $text:expr, $expected:expr) => {
            #[test]
            fn $name() {
                let expected: &[&str] = &$expected;
                assert_eq!(split($text), expected);
            }
        };
    }

    // From sample 000: full-width 。 and a closing （完） of its own.
    t!(
        sen001,
        "形成良好的示范效应。雄安新区和北京城市副中心建设扎实推进。",
        ["形成良好的示范效应。", "雄安新区和北京城市副中心建设扎实推进。"]
    );
    t!(sen002, "参加会议。（完）", ["参加会议。", "（完）"]);
    // From sample 002: decimals and PM2.5 never split.
    t!(
        sen003,
        "承接京津转入法人单位2.88万个,资金额1.28万亿元。2021年河北省PM2.5平均浓度38.8微克/立方米,比上年下降15.3%,为历史最好水平",
        [
            "承接京津转入法人单位2.88万个,资金额1.28万亿元。",
            "2021年河北省PM2.5平均浓度38.8微克/立方米,比上年下降15.3%,为历史最好水平"
        ]
    );
    // From sample 001: the date line and the photo caption are their own sentences.
    t!(
        sen004,
        "•发布日期:2024-05-14 16:41:21\n5月11日至12日,2024年京津冀党政主要领导座谈会在津举行。 河北日报记者赵海江摄\n",
        [
            "•发布日期:2024-05-14 16:41:21",
            "5月11日至12日,2024年京津冀党政主要领导座谈会在津举行。",
            "河北日报记者赵海江摄"
        ]
    );
    // Dotted and Chinese dates.
    t!(sen005, "2024.05.14发布。2014年2月26日讲话", ["2024.05.14发布。", "2014年2月26日讲话"]);
    // A quotation with its own 、 and 。 stays whole; the closing quote stays with its sentence.
    t!(
        sen006,
        "构建了“要事有统筹、任务有督办。落实有专班。”各项工作跑出加速度。",
        ["构建了“要事有统筹、任务有督办。落实有专班。”", "各项工作跑出加速度。"]
    );
    t!(sen007, "他说：“要坚定信心。”随后离开。", ["他说：“要坚定信心。”", "随后离开。"]);
    t!(sen008, "真的吗？！我们走……下一步", ["真的吗？！", "我们走……", "下一步"]);
    t!(sen009, "好!走吧?是的;对", ["好!", "走吧?", "是的;", "对"]);
    // Half-width ? inside a URL is not a terminator.
    t!(sen010, "见 http://x.cn/a?id=3 页。", ["见 http://x.cn/a?id=3 页。"]);
    // A single … is not a sentence end.
    t!(sen011, "等…然后", ["等…然后"]);
    // Book titles nest like quotations, and a title is never the end of a sentence.
    t!(sen012, "发表《京津冀，加油！》一文。", ["发表《京津冀，加油！》一文。"]);
    // From sample 004: the attribution line after a quotation.
    t!(
        sen013,
        "交往半径相宜,完全能够相互融合、协同发展。\n——2014年2月26日,习近平在北京市考察工作结束时的讲话\n",
        ["交往半径相宜,完全能够相互融合、协同发展。", "——2014年2月26日,习近平在北京市考察工作结束时的讲话"]
    );
    // Whitespace only: nothing; surrounding ideographic spaces are trimmed.
    t!(sen014, " \n\u{3000}\r\n", []);
    t!(sen015, "\u{3000}\u{3000}新华社北京1月25日电。 ", ["新华社北京1月25日电。"]);
    // A lost closing quote costs one long sentence, and a line break resets it.
    t!(sen016, "他说“第一。第二。\n第三。第四。", ["他说“第一。第二。", "第三。", "第四。"]);
    // An ASCII quote after a terminator closes; before text, it opens the next sentence.
    t!(sen017, "他说\"好。\" 然后。\"走\"", ["他说\"好。\"", "然后。", "\"走\""]);
    // Unbalanced closers never underflow.
    t!(sen018, "）。）好。", ["）。）", "好。"]);

    #[test]
    fn unclosed_quotation_stops_counting_after_the_limit() {
        let long = "长".repeat(MAX_QUOTE_BYTES / 3 + 10);
        let text = format!("“{long}。后来。");
        assert_eq!(split(&text), [format!("“{long}。"), "后来。".to_owned()]);
    }
}
