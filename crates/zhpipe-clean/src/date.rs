//! Publication dates as ISO 8601, from the forms pages and feeds write them in.
//!
//! No maintained crate reads `2022年02月26日12:29` and RFC 2822 alike, and only a handful of
//! shapes occur, so they are matched here. The result keeps the precision of the input (a month,
//! a day, or a time) and carries an offset only when the input states one: a Beijing page that
//! says `16:41` without a zone is not silently given `+08:00`.

use std::sync::LazyLock;

use regex::Regex;

static RFC2822: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|UT|Z|[+-]\d{4})?$",
    )
    .unwrap()
});

static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$",
    )
    .unwrap()
});

static CHINESE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号號])?(?:\s*(\d{1,2})\s*[:：时時]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?\s*秒?)?$",
    )
    .unwrap()
});

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// The ISO 8601 form of a date written as RFC 2822, `2024-05-14 16:41:21`, `2022/2/26`,
/// `2022年02月26日12:29` or `2023年5月`; `None` if `text` is not one of them (or not a real date).
pub fn parse(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(c) = RFC2822.captures(text) {
        let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(&c[2]))? as u32 + 1;
        let offset = match c.get(7).map(|m| m.as_str()) {
            None => None,
            Some("GMT" | "UTC" | "UT" | "Z") => Some("+00:00".to_owned()),
            Some(o) => Some(format!("{}:{}", &o[..3], &o[3..])),
        };
        return format(num(&c[3]), month, Some(num(&c[1])), time(&c, 4), offset);
    }
    if let Some(c) = NUMERIC.captures(text) {
        let offset = c.get(7).map(|m| match m.as_str() {
            "Z" | "UTC" | "GMT" => "+00:00".to_owned(),
            o if o.len() == 5 => format!("{}:{}", &o[..3], &o[3..]),
            o => o.to_owned(),
        });
        return format(num(&c[1]), num(&c[2]), Some(num(&c[3])), time(&c, 4), offset);
    }
    if let Some(c) = CHINESE.captures(text) {
        let day = c.get(3).map(|d| num(d.as_str()));
        if day.is_none() && c.get(4).is_some() {
            return None;
        }
        return format(num(&c[1]), num(&c[2]), day, time(&c, 4), None);
    }
    None
}

fn num(s: &str) -> u32 {
    s.parse().unwrap_or(u32::MAX)
}

fn time(c: &regex::Captures<'_>, first: usize) -> Option<(u32, u32, u32)> {
    let hour = c.get(first)?;
    let seconds = c.get(first + 2).map_or(0, |s| num(s.as_str()));
    Some((num(hour.as_str()), num(&c[first + 1]), seconds))
}

fn format(
    year: u32,
    month: u32,
    day: Option<u32>,
    time: Option<(u32, u32, u32)>,
    offset: Option<String>,
) -> Option<String> {
    if !(1..=12).contains(&month) || !(1000..=9999).contains(&year) {
        return None;
    }
    let Some(day) = day else {
        return Some(format!("{year:04}-{month:02}"));
    };
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month as usize - 1];
    if !(1..=days).contains(&day) {
        return None;
    }
    let mut out = format!("{year:04}-{month:02}-{day:02}");
    if let Some((h, m, s)) = time {
        if h > 23 || m > 59 || s > 60 {
            return None;
        }
        out.push_str(&format!("T{h:02}:{m:02}:{s:02}"));
        if let Some(offset) = offset {
            out.push_str(&offset);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::parse;

    macro_rules! t {
        ($name:ident, $input:expr, $expected:expr) => {
            #[test]
            fn $name() {
                assert_eq!(parse($input).as_deref(), $expected, "{:?}", $input);
            }
        };
    }

    t!(date01_rfc2822_gmt, "Tue, 25 Jan 2022 15:06:19 GMT", Some("2022-01-25T15:06:19+00:00"));
    t!(date02_rfc2822_offset, "25 Jan 2022 15:06 +0800", Some("2022-01-25T15:06:00+08:00"));
    t!(date03_numeric_time, "2024-05-14 16:41:21", Some("2024-05-14T16:41:21"));
    t!(date04_iso_zulu, "2024-05-14T16:41:21Z", Some("2024-05-14T16:41:21+00:00"));
    t!(date05_iso_offset, "2024-05-14T16:41:21+08:00", Some("2024-05-14T16:41:21+08:00"));
    t!(date06_slashes, "2022/2/26", Some("2022-02-26"));
    t!(date07_chinese_time, "2022年02月26日12:29", Some("2022-02-26T12:29:00"));
    t!(date08_chinese_month, "2023 年 5 月", Some("2023-05"));
    t!(date09_chinese_day, "2014年2月26日", Some("2014-02-26"));
    t!(date10_not_a_day, "2023-02-30", None);
    t!(date11_not_a_month, "2023年13月", None);
    t!(date12_bad_hour, "2024-05-14 25:00", None);
    t!(date13_text, "5月12日上午9时", None);
    t!(date14_empty, "", None);
    t!(date15_leap_day, "2024-02-29", Some("2024-02-29"));
}
