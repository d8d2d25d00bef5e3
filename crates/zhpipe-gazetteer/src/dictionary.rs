//! Dictionary files: tab-separated entries, validated as a whole before anything is compiled.
//! (Below, the tabs between columns are drawn as two spaces.)
//!
//! ```text
//! #! category = place
//! # comments start with '#'
//! surface  id  kind  parent  attributes
//! 河北省  place:130000  province
//! 河北  place:130000  province
//! 冀  place:130000  province    flags=short
//! 王正谱  person:wang-zhengpu  person  place:130000  role=河北省委副书记、省长
//! 北京时间  time:beijing  time    flags=block
//! ```
//!
//! A `#!` line before the header declares what the file's entries are, for every consumer that
//! groups mentions: `category = place`, `organisation`, `person`, `policy` or `other` (the
//! default).
//!
//! Flags: `short` (matched only with `short_aliases = true`), `common` (a common word, matched
//! only in context, see `common_words`), `within-token` (when the document has tokens, not
//! matched across two of them), `block` (matched, so that it hides the names inside it, but never
//! reported), `overrides` (this line's id wins its surface over the other ids listed for it,
//! below).
//!
//! A key design decision: an entry is its canonical id, and every line is one *surface* of it.
//! The first line of an id gives its canonical name, kind, parent and attributes; later lines
//! are aliases and may repeat them but not contradict them. One surface belongs to one id,
//! across all the dictionaries of a gazetteer: a surface listed under two ids is an error naming
//! both lines and both ids, whatever their kinds and dictionaries, because the matcher would
//! have to guess, and guessing by dictionary order would let a surface change hands silently
//! when a file is added or reordered. Where the two readings are both real (大兴国际机场 is a
//! town-level division in `places.tsv` and the airport in `organisations.tsv`), the line that
//! should win says so with `flags=overrides`: its id keeps the surface, whatever the order of
//! the files, and the lines it overrides are reported by [`Dictionaries::shadowed`]. Two lines
//! that override each other are an error. The same surface listed again for the same id is
//! harmless, as long as its flags agree.
//!
//! Also refused, each naming the file (and the line, when one is at fault): a file with no
//! entries (only comments, blank lines, declarations or the header), a missing or misspelt
//! header, a row with too few or too many columns, an empty surface, id or kind, a surface with
//! white space around it, an unknown flag or declaration. A byte-order mark before the first
//! line is dropped.

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::path::{Path, PathBuf};

use zhpipe_core::Category;

use crate::Error;

/// The columns of a dictionary file, in order. The first three are required in every row.
pub const COLUMNS: [&str; 5] = ["surface", "id", "kind", "parent", "attributes"];

/// Per-surface flags, set with `flags=...` in the attributes column.
pub mod flags {
    /// A short alias (冀, 津, 京): matched only when `short_aliases = true`.
    pub const SHORT: u32 = 1 << 31;
    /// A surface that is also a common word (和平, 东方, 城区): matched only in context.
    pub const COMMON: u32 = 1 << 30;
    /// Matched but never reported: a longer surface that hides a name inside it which is not a
    /// mention (北京时间 is a time zone, not 北京).
    pub const BLOCK: u32 = 1 << 29;
    /// A bare short form (迁安 for 迁安市, 大理 for 大理白族自治州): when the document has
    /// tokens, not matched across two of them (搬迁/安置, 重大/理念), but matched inside one
    /// (福建厦门, 酒泉卫星发射中心).
    pub const WITHIN_TOKEN: u32 = 1 << 28;
    /// The bits left for the entry index.
    pub const ENTRY_MASK: u32 = (1 << 28) - 1;
}

/// One dictionary file's name and text.
#[derive(Clone, Debug)]
pub struct Source {
    /// Where it was read from, for error messages.
    pub path: PathBuf,
    /// The dictionary name carried by mentions: the file stem (`places`).
    pub name: String,
    /// The TSV text.
    pub text: String,
}

impl Source {
    /// Reads a dictionary file; its name is the file stem.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let bytes = zhpipe_artefact::bundle::read(path).map_err(|e| Error::io(path, e))?.into_owned();
        let text = String::from_utf8(bytes).map_err(|e| {
            let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()].iter().filter(|&&b| b == b'\n').count();
            Error::dictionary(path, line, "not valid UTF-8")
        })?;
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(Self { path: path.to_owned(), name, text })
    }

    /// A dictionary from text, for tests and generated word lists.
    pub fn from_text(name: &str, text: impl Into<String>) -> Self {
        Self { path: PathBuf::from(format!("{name}.tsv")), name: name.to_owned(), text: text.into() }
    }
}

/// A canonical entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Canonical id, e.g. `place:130000`.
    pub id: String,
    /// Kind, e.g. `province`.
    pub kind: String,
    /// Canonical name: the surface of the entry's first line.
    pub name: String,
    /// Index of the dictionary (source) it was first listed in.
    pub dictionary: usize,
    /// The parent's id as written (e.g. the province of a county).
    pub parent: Option<String>,
    /// Attributes other than `flags`, as written (`role=…`).
    pub attributes: String,
}

/// One surface form of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The text to find.
    pub surface: String,
    /// Index into [`Dictionaries::entries`].
    pub entry: u32,
    /// [`flags`] bits.
    pub flags: u32,
}

/// A line whose surface went to another id, because that id's line overrides it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shadowed {
    /// The surface.
    pub surface: String,
    /// Where the ignored line is: file and 1-based line.
    pub location: String,
    /// The id the ignored line gives the surface.
    pub lost: String,
    /// The id the surface kept.
    pub kept: String,
    /// Where the overriding line is: file and 1-based line.
    pub winner: String,
}

/// Every entry and surface of a set of dictionary files, validated.
#[derive(Clone, Debug, Default)]
pub struct Dictionaries {
    /// Dictionary names (file stems), in the order given.
    pub names: Vec<String>,
    /// The category each dictionary declares (`#! category = place`), in the same order.
    pub categories: Vec<Category>,
    /// Canonical entries, in order of first appearance.
    pub entries: Vec<Entry>,
    /// Surfaces, in order of first appearance; each surface once.
    pub patterns: Vec<Pattern>,
    /// Lines whose surface went to another id by `flags=overrides`, with where they are.
    pub shadowed: Vec<Shadowed>,
}

/// Where a surface was first listed, and what competes for it.
struct Seen {
    /// Index into [`Dictionaries::patterns`].
    pattern: u32,
    /// The line the pattern's entry comes from: (dictionary, 1-based line).
    location: (usize, usize),
    /// Whether that line (or a repetition of it for the same id) has `flags=overrides`.
    overrides: bool,
    /// Lines listing the surface for other ids, which lose to the pattern's entry if it
    /// overrides them: (entry, dictionary, line).
    others: Vec<(u32, usize, usize)>,
}

impl Dictionaries {
    /// Parses and validates `sources` together: a surface may go to one id only, across all
    /// files, unless one of its lines overrides the others (see the module docs).
    pub fn parse(sources: &[Source]) -> Result<Self, Error> {
        let mut out = Dictionaries::default();
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut surfaces: HashMap<&str, usize> = HashMap::new();
        let mut seen: Vec<Seen> = Vec::new();
        let at = |dictionary: usize, line: usize| format!("{}:{line}", sources[dictionary].path.display());
        for (dictionary, source) in sources.iter().enumerate() {
            out.names.push(source.name.clone());
            let category_at = out.categories.len();
            out.categories.push(Category::Other);
            let path = source.path.as_path();
            let mut header_seen = false;
            let mut columns = 0;
            let mut category = None;
            let mut rows = 0usize;
            // An editor's byte-order mark before the first line is no part of it.
            let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
            for (index, raw_line) in text.split('\n').enumerate() {
                let line_no = index + 1;
                let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
                if let Some(directive) = line.strip_prefix("#!") {
                    if header_seen {
                        return Err(Error::dictionary(path, line_no, "a `#!` declaration must come before the header"));
                    }
                    let declared = parse_declaration(path, line_no, directive)?;
                    if category.replace(declared).is_some() {
                        return Err(Error::dictionary(path, line_no, "the category is declared twice"));
                    }
                    continue;
                }
                if line.starts_with('#') || line.trim().is_empty() {
                    continue;
                }
                let fields: Vec<&str> = line.split('\t').collect();
                if !header_seen {
                    columns = check_header(path, line_no, &fields)?;
                    header_seen = true;
                    continue;
                }
                if fields.len() > columns {
                    return Err(Error::dictionary(
                        path,
                        line_no,
                        format!("{} columns, but the header names {columns}", fields.len()),
                    ));
                }
                if fields.len() < 3 {
                    return Err(Error::dictionary(
                        path,
                        line_no,
                        format!("missing column `{}` (columns are tab-separated)", COLUMNS[fields.len()]),
                    ));
                }
                let (surface, id, kind) = (fields[0], fields[1], fields[2]);
                let parent = fields.get(3).copied().filter(|p| !p.is_empty());
                let attributes = parse_attributes(path, line_no, fields.get(4).copied().unwrap_or(""))?;
                let (row_flags, row_overrides, attributes) = (attributes.flags, attributes.overrides, attributes.rest);
                if surface.trim().is_empty() {
                    return Err(Error::dictionary(path, line_no, "empty surface"));
                }
                if surface.trim() != surface {
                    return Err(Error::dictionary(
                        path,
                        line_no,
                        format!("surface {surface:?} starts or ends with white space"),
                    ));
                }
                if id.is_empty() {
                    return Err(Error::dictionary(path, line_no, format!("empty id for surface {surface:?}")));
                }
                if kind.is_empty() {
                    return Err(Error::dictionary(path, line_no, format!("empty kind for surface {surface:?}")));
                }
                rows += 1;
                let entry = match ids.entry(id) {
                    MapEntry::Occupied(o) => {
                        let entry = &mut out.entries[*o.get() as usize];
                        if entry.kind != kind {
                            return Err(Error::dictionary(
                                path,
                                line_no,
                                format!("id {id} has kind {kind} here but {} on its first line", entry.kind),
                            ));
                        }
                        if let Some(p) = parent {
                            if entry.parent.as_deref().is_some_and(|first| first != p) {
                                return Err(Error::dictionary(
                                    path,
                                    line_no,
                                    format!(
                                        "id {id} has parent {p} here but {} on its first line",
                                        entry.parent.as_deref().unwrap_or("")
                                    ),
                                ));
                            }
                            entry.parent.get_or_insert_with(|| p.to_owned());
                        }
                        if entry.attributes.is_empty() {
                            entry.attributes = attributes;
                        }
                        *o.get()
                    }
                    MapEntry::Vacant(v) => {
                        let index = out.entries.len() as u32;
                        if index > flags::ENTRY_MASK {
                            return Err(Error::dictionary(path, line_no, "too many entries"));
                        }
                        out.entries.push(Entry {
                            id: id.to_owned(),
                            kind: kind.to_owned(),
                            name: surface.to_owned(),
                            dictionary,
                            parent: parent.map(str::to_owned),
                            attributes,
                        });
                        *v.insert(index)
                    }
                };
                let here = (dictionary, line_no);
                match surfaces.entry(surface) {
                    MapEntry::Vacant(v) => {
                        v.insert(seen.len());
                        seen.push(Seen {
                            pattern: out.patterns.len() as u32,
                            location: here,
                            overrides: row_overrides,
                            others: Vec::new(),
                        });
                        out.patterns.push(Pattern { surface: surface.to_owned(), entry, flags: row_flags });
                    }
                    MapEntry::Occupied(o) => {
                        let seen = &mut seen[*o.get()];
                        let pattern = &mut out.patterns[seen.pattern as usize];
                        let (first_dictionary, first_line) = seen.location;
                        if pattern.entry == entry {
                            // The same surface twice for one entry: harmless, but the flags
                            // must agree or the second line would silently lose.
                            if pattern.flags != row_flags {
                                return Err(Error::dictionary(
                                    path,
                                    line_no,
                                    format!(
                                        "{surface:?} is listed again with other flags (first at {})",
                                        at(first_dictionary, first_line)
                                    ),
                                ));
                            }
                            seen.overrides |= row_overrides;
                        } else if row_overrides && seen.overrides {
                            let kept = &out.entries[pattern.entry as usize];
                            return Err(Error::dictionary(
                                path,
                                line_no,
                                format!(
                                    "{surface:?} is listed for two ids and both lines override: {id} ({kind}) here and {} ({}) at {}; one line may override",
                                    kept.id,
                                    kept.kind,
                                    at(first_dictionary, first_line)
                                ),
                            ));
                        } else if row_overrides {
                            seen.others.push((pattern.entry, first_dictionary, first_line));
                            *pattern = Pattern { surface: surface.to_owned(), entry, flags: row_flags };
                            seen.location = here;
                            seen.overrides = true;
                        } else {
                            seen.others.push((entry, dictionary, line_no));
                        }
                    }
                }
            }
            if rows == 0 {
                return Err(Error::dictionary_file(
                    path,
                    "holds no entries: only comments, blank lines, `#!` declarations or the header",
                ));
            }
            out.categories[category_at] = category.unwrap_or_default();
        }
        // A surface listed for several ids: the overriding line wins, the others are reported;
        // with no line overriding, the matcher would have to guess.
        for seen in &mut seen {
            // In file order, whichever line came to win.
            seen.others.sort_by_key(|&(_, dictionary, line)| (dictionary, line));
            let pattern = &out.patterns[seen.pattern as usize];
            let kept = &out.entries[pattern.entry as usize];
            let (first_dictionary, first_line) = seen.location;
            for &(other, dictionary, line) in &seen.others {
                let other = &out.entries[other as usize];
                if !seen.overrides {
                    return Err(Error::dictionary(
                        &sources[dictionary].path,
                        line,
                        format!(
                            "{:?} is listed for two ids: {} ({}) here and {} ({}) at {}; mark the line that should win with `flags=overrides`",
                            pattern.surface,
                            other.id,
                            other.kind,
                            kept.id,
                            kept.kind,
                            at(first_dictionary, first_line)
                        ),
                    ));
                }
                out.shadowed.push(Shadowed {
                    surface: pattern.surface.clone(),
                    location: at(dictionary, line),
                    lost: other.id.clone(),
                    kept: kept.id.clone(),
                    winner: at(first_dictionary, first_line),
                });
            }
        }
        Ok(out)
    }

    /// The index of each entry's parent, when the parent id is an entry of these dictionaries.
    pub fn parent_indices(&self) -> Vec<Option<u32>> {
        let index: HashMap<&str, u32> =
            self.entries.iter().enumerate().map(|(i, e)| (e.id.as_str(), i as u32)).collect();
        self.entries.iter().map(|e| e.parent.as_deref().and_then(|p| index.get(p).copied())).collect()
    }
}

/// A `#! key = value` line: the one key is `category`.
fn parse_declaration(path: &Path, line: usize, text: &str) -> Result<Category, Error> {
    match text.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
        Some(("category", value)) => value.parse().map_err(|e: String| Error::dictionary(path, line, e)),
        Some((key, _)) => {
            Err(Error::dictionary(path, line, format!("unknown declaration `{key}`; the one key is `category`")))
        }
        None => Err(Error::dictionary(path, line, format!("declaration {:?} is not `key = value`", text.trim()))),
    }
}

fn check_header(path: &Path, line: usize, fields: &[&str]) -> Result<usize, Error> {
    let expected = COLUMNS.join("\\t");
    if fields.len() < 3 || fields.len() > COLUMNS.len() || fields.iter().zip(COLUMNS).any(|(f, c)| *f != c) {
        return Err(Error::dictionary(
            path,
            line,
            format!("the first line must be the header `{expected}` (at least the first three columns)"),
        ));
    }
    Ok(fields.len())
}

/// A row's attributes column: its [`flags`], whether it overrides, and the other pairs.
struct Attributes {
    flags: u32,
    overrides: bool,
    rest: String,
}

/// Splits `key=value;key=value`, taking `flags=` out.
fn parse_attributes(path: &Path, line: usize, text: &str) -> Result<Attributes, Error> {
    let mut row_flags = 0;
    let mut overrides = false;
    let mut rest: Vec<&str> = Vec::new();
    for pair in text.split(';').filter(|p| !p.trim().is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Error::dictionary(path, line, format!("attribute {pair:?} is not key=value")));
        };
        if key.trim() == "flags" {
            for flag in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                row_flags |= match flag {
                    "short" => flags::SHORT,
                    "common" => flags::COMMON,
                    "block" => flags::BLOCK,
                    "within-token" => flags::WITHIN_TOKEN,
                    // Decided while parsing, not matching: no bit of the compiled form.
                    "overrides" => {
                        overrides = true;
                        0
                    }
                    other => {
                        return Err(Error::dictionary(
                            path,
                            line,
                            format!("unknown flag {other:?} (known: short, common, block, within-token, overrides)"),
                        ));
                    }
                };
            }
        } else {
            rest.push(pair);
        }
    }
    Ok(Attributes { flags: row_flags, overrides, rest: rest.join(";") })
}
