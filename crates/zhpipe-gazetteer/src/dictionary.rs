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
//! reported).
//!
//! A key design decision: an entry is its canonical id, and every line is one *surface* of it.
//! The first line of an id gives its canonical name, kind, parent and attributes; later lines
//! are aliases and may repeat them but not contradict them. One surface belongs to one entry
//! per kind: a surface listed under two ids of the same kind is an error, because the matcher
//! would have to guess. A surface listed under entries of *different* kinds (a person and a
//! place spelt alike) goes to the first one listed, in dictionary order; the others are
//! reported by [`Dictionaries::shadowed`].

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

/// A surface that went to an entry of another kind listed earlier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shadowed {
    /// The surface.
    pub surface: String,
    /// Where the ignored line is: file and 1-based line.
    pub location: String,
    /// The id the surface kept.
    pub kept: String,
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
    /// Surfaces listed for entries of different kinds, with where the ignored line is.
    pub shadowed: Vec<Shadowed>,
}

struct Seen {
    pattern: u32,
    location: (usize, usize),
}

impl Dictionaries {
    /// Parses and validates `sources` together (a surface may not go to two ids of one kind
    /// even across files).
    pub fn parse(sources: &[Source]) -> Result<Self, Error> {
        let mut out = Dictionaries::default();
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut surfaces: HashMap<&str, Seen> = HashMap::new();
        for (dictionary, source) in sources.iter().enumerate() {
            out.names.push(source.name.clone());
            let category_at = out.categories.len();
            out.categories.push(Category::Other);
            let path = source.path.as_path();
            let mut header_seen = false;
            let mut columns = 0;
            let mut category = None;
            for (index, raw_line) in source.text.split('\n').enumerate() {
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
                let (row_flags, attributes) = parse_attributes(path, line_no, fields.get(4).copied().unwrap_or(""))?;
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
                match surfaces.entry(surface) {
                    MapEntry::Vacant(v) => {
                        v.insert(Seen { pattern: out.patterns.len() as u32, location: (dictionary, line_no) });
                        out.patterns.push(Pattern { surface: surface.to_owned(), entry, flags: row_flags });
                    }
                    MapEntry::Occupied(o) => {
                        let seen = o.get();
                        let pattern = &mut out.patterns[seen.pattern as usize];
                        let kept = &out.entries[pattern.entry as usize];
                        let (first_dictionary, first_line) = seen.location;
                        let first_path = sources[first_dictionary].path.display();
                        if pattern.entry == entry {
                            // The same surface twice for one entry: harmless, but the flags
                            // must agree or the second line would silently lose.
                            if pattern.flags != row_flags {
                                return Err(Error::dictionary(
                                    path,
                                    line_no,
                                    format!(
                                        "{surface:?} is listed again with other flags (first at {first_path}:{first_line})"
                                    ),
                                ));
                            }
                        } else if kept.kind == kind {
                            return Err(Error::dictionary(
                                path,
                                line_no,
                                format!(
                                    "{surface:?} has two canonical ids of kind {kind}: {id} here and {} at {first_path}:{first_line}",
                                    kept.id
                                ),
                            ));
                        } else {
                            out.shadowed.push(Shadowed {
                                surface: surface.to_owned(),
                                location: format!("{}:{line_no}", path.display()),
                                kept: kept.id.clone(),
                            });
                        }
                    }
                }
            }
            if !header_seen && !source.text.trim().is_empty() {
                return Err(Error::dictionary(path, 1, "no header line"));
            }
            out.categories[category_at] = category.unwrap_or_default();
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

/// Splits `key=value;key=value`, taking `flags=` out.
fn parse_attributes(path: &Path, line: usize, text: &str) -> Result<(u32, String), Error> {
    let mut row_flags = 0;
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
                    other => {
                        return Err(Error::dictionary(
                            path,
                            line,
                            format!("unknown flag {other:?} (known: short, common, block, within-token)"),
                        ));
                    }
                };
            }
        } else {
            rest.push(pair);
        }
    }
    Ok((row_flags, rest.join(";")))
}
