//! The mention layer: spans of the text linked to entries of shared entry tables.
//!
//! A [`Mention`] is plain `Copy` data: a span, the index of its entry and the index of the table
//! the entry is in. The tables are held once per document by its [`Mentions`] layer (one `Arc`
//! clone per annotator), so finding a million mentions copies no string and counts no reference
//! per mention, and dropping them frees one buffer.
//!
//! Several annotators may write the layer: each one [`append`](Mentions::append)s its mentions
//! and the layer stays sorted by span. Where a new mention overlaps one already there, the
//! [`Overlap`] rule decides: by default the longer one wins (the one already there on a tie), so
//! a user's `北京市文化局` removes the place `北京市` inside it.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::Span;

/// The group an entry belongs to, as its dictionary declares it: what a reader asks of a
/// mention first (is it a place, an organisation, a person, a policy term?), whatever the
/// entry's own `kind` (`province`, `county`, `new-area`, …).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// A place: a division, a region, a zone, a country.
    Place,
    /// An organisation: a party or state body, a company, a university, a newspaper.
    Organisation,
    /// A person.
    Person,
    /// A policy term or programme.
    Policy,
    /// Anything else, and entries whose dictionary declares nothing.
    #[default]
    Other,
}

impl Category {
    /// Every category, in declaration order (`category as usize` indexes it).
    pub const ALL: [Category; 5] =
        [Category::Place, Category::Organisation, Category::Person, Category::Policy, Category::Other];

    /// The name used in dictionaries and records.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Place => "place",
            Category::Organisation => "organisation",
            Category::Person => "person",
            Category::Policy => "policy",
            Category::Other => "other",
        }
    }
}

impl std::str::FromStr for Category {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Category::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            format!("unknown category `{s}`, expected one of {}", names.join(", "))
        })
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names of one dictionary entry, as a mention reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct EntryNames<'a> {
    /// Canonical id of the entry, e.g. `place:130000`; aliases share it.
    pub id: &'a str,
    /// Kind of entry: `province`, `prefecture`, `county`, `organisation`, `person`, `policy`, …
    pub kind: &'a str,
    /// Canonical name of the entry, e.g. `河北省` for the surface `河北`.
    pub name: &'a str,
    /// The dictionary the entry came from (file stem).
    pub dictionary: &'a str,
    /// The group the entry's dictionary declares.
    pub category: Category,
}

/// The entries that mentions point to, by index: a gazetteer's compiled dictionaries, or an
/// [`EntryList`] made at run time.
pub trait EntryTable: Send + Sync + fmt::Debug {
    /// How many entries there are; valid indices are `0..len()`.
    fn len(&self) -> usize;

    /// Whether the table has no entries.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The names of entry `index`. May panic when `index >= len()`.
    fn names(&self, index: u32) -> EntryNames<'_>;

    /// The kind of entry `index` (the hot accessor: override it when it is cheaper than
    /// [`EntryTable::names`]).
    fn kind(&self, index: u32) -> &str {
        self.names(index).kind
    }
}

/// Which table of a document's [`Mentions`] an entry is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TableId(u32);

impl TableId {
    /// The table's position in [`Mentions::tables`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// An entry found in the text: where, which entry, in which of the layer's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mention {
    /// Where the surface form is in the text.
    pub span: Span,
    /// The table the entry is in.
    pub table: TableId,
    /// The entry's index in its table.
    pub entry: u32,
}

impl Mention {
    /// A mention of entry `entry` of table `table`.
    #[inline]
    pub fn new(span: Span, table: TableId, entry: u32) -> Self {
        Self { span, table, entry }
    }
}

/// How a new mention that overlaps one already in the layer is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Overlap {
    /// The longer of two overlapping mentions of different annotators is kept; on a tie, the
    /// one already in the layer. Longer mentions are placed first, so a dropped mention never
    /// removes another.
    #[default]
    LongestWins,
    /// Both are kept.
    Keep,
}

/// The mentions of one document, sorted by span, and the tables their entries are in.
#[derive(Clone, Default)]
pub struct Mentions {
    tables: Vec<Arc<dyn EntryTable>>,
    items: Vec<Mention>,
}

impl Mentions {
    /// An empty layer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `table` in this layer, adding it when it is not there yet (tables are compared
    /// by address, so one annotator's table is held once however often it appends).
    pub fn table_id(&mut self, table: &Arc<dyn EntryTable>) -> TableId {
        let address = Arc::as_ptr(table).cast::<()>();
        if let Some(i) = self.tables.iter().position(|t| std::ptr::eq(Arc::as_ptr(t).cast::<()>(), address)) {
            return TableId(i as u32);
        }
        let id = u32::try_from(self.tables.len()).expect("more than 2^32 entry tables in one document");
        self.tables.push(table.clone());
        TableId(id)
    }

    /// The tables, by [`TableId::index`].
    pub fn tables(&self) -> &[Arc<dyn EntryTable>] {
        &self.tables
    }

    /// The mentions as plain data, sorted by span.
    pub fn as_slice(&self) -> &[Mention] {
        &self.items
    }

    /// Number of mentions.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Mention `index` with its names.
    pub fn get(&self, index: usize) -> Option<MentionRef<'_>> {
        self.items.get(index).map(|&m| self.resolve(m))
    }

    /// The mentions with their names, in span order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { layer: self, items: self.items.iter() }
    }

    /// `mention` with its names. Panics when its table is not in this layer.
    #[inline]
    pub fn resolve(&self, mention: Mention) -> MentionRef<'_> {
        MentionRef { mention, table: self.tables[mention.table.index()].as_ref() }
    }

    /// Removes every mention and table.
    pub fn clear(&mut self) {
        self.tables.clear();
        self.items.clear();
    }

    /// Adds one annotator's mentions (of tables already in the layer, see
    /// [`table_id`](Self::table_id)), keeping the layer sorted; `overlap` decides what happens
    /// where they overlap mentions already there.
    pub fn append(&mut self, mut new: Vec<Mention>, overlap: Overlap) {
        if !new.is_sorted_by_key(|m| m.span) {
            new.sort_by_key(|m| m.span);
        }
        if self.items.is_empty() {
            // The common case, one annotator: the new vector becomes the layer as it is.
            self.items = new;
            return;
        }
        if new.is_empty() {
            return;
        }
        let mut old = std::mem::take(&mut self.items);
        if overlap == Overlap::LongestWins {
            longest_wins(&mut old, &mut new);
        }
        self.items = merge_sorted(old, new);
    }

    /// A layer of mentions of entries made at run time (tests, records read back): the names
    /// go into one [`EntryList`].
    pub fn from_names<'n>(mentions: impl IntoIterator<Item = (Span, EntryNames<'n>)>) -> Self {
        let mut list = EntryList::default();
        let items: Vec<Mention> =
            mentions.into_iter().map(|(span, names)| Mention::new(span, TableId(0), list.add(names))).collect();
        let mut layer = Mentions::new();
        if !items.is_empty() {
            let table: Arc<dyn EntryTable> = Arc::new(list);
            layer.table_id(&table);
            layer.append(items, Overlap::Keep);
        }
        layer
    }
}

/// The mentions of a layer with their names, in span order.
#[derive(Clone)]
pub struct Iter<'a> {
    layer: &'a Mentions,
    items: std::slice::Iter<'a, Mention>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = MentionRef<'a>;

    fn next(&mut self) -> Option<MentionRef<'a>> {
        self.items.next().map(|&m| self.layer.resolve(m))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.items.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.items.next_back().map(|&m| self.layer.resolve(m))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Mentions {
    type Item = MentionRef<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl fmt::Debug for Mentions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Mentions {
    /// Two layers are equal when they hold the same spans with the same names, whichever
    /// tables the names come from.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Serialize for Mentions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Mentions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = Vec::<MentionFields<String>>::deserialize(d)?;
        Ok(Mentions::from_names(fields.iter().map(|m| {
            let names =
                EntryNames { id: &m.id, kind: &m.kind, name: &m.name, dictionary: &m.dictionary, category: m.category };
            (m.span, names)
        })))
    }
}

/// A mention with the table its names are in.
#[derive(Clone, Copy)]
pub struct MentionRef<'a> {
    mention: Mention,
    table: &'a dyn EntryTable,
}

impl<'a> MentionRef<'a> {
    /// The plain mention.
    pub fn mention(self) -> Mention {
        self.mention
    }

    /// Where the surface form is in the text.
    pub fn span(self) -> Span {
        self.mention.span
    }

    /// All the names of the entry at once (cheaper than the four accessors one by one).
    pub fn names(self) -> EntryNames<'a> {
        self.table.names(self.mention.entry)
    }

    /// Canonical id of the entry.
    pub fn id(self) -> &'a str {
        self.names().id
    }

    /// Kind of entry.
    pub fn kind(self) -> &'a str {
        self.table.kind(self.mention.entry)
    }

    /// Canonical name of the entry.
    pub fn name(self) -> &'a str {
        self.names().name
    }

    /// The dictionary the entry came from.
    pub fn dictionary(self) -> &'a str {
        self.names().dictionary
    }
}

impl PartialEq for MentionRef<'_> {
    /// Equal when span and names are, so mentions of one entry found by two engines are equal.
    fn eq(&self, other: &Self) -> bool {
        self.span() == other.span() && self.names() == other.names()
    }
}

impl Eq for MentionRef<'_> {}

impl fmt::Debug for MentionRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names();
        f.debug_struct("Mention")
            .field("span", &self.span())
            .field("id", &names.id)
            .field("kind", &names.kind)
            .field("name", &names.name)
            .field("dictionary", &names.dictionary)
            .finish()
    }
}

/// The serialised form of a mention.
#[derive(Serialize, Deserialize)]
struct MentionFields<S> {
    span: Span,
    id: S,
    kind: S,
    name: S,
    dictionary: S,
    #[serde(default)]
    category: Category,
}

impl Serialize for MentionRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let EntryNames { id, kind, name, dictionary, category } = self.names();
        MentionFields { span: self.span(), id, kind, name, dictionary, category }.serialize(s)
    }
}

/// Entries made at run time: names a stage found outside any dictionary, or mentions read
/// back from a record. Adding the same names twice gives the same index.
#[derive(Clone, Default)]
pub struct EntryList {
    /// id, kind, name, dictionary of each entry, and its category.
    entries: Vec<([Box<str>; 4], Category)>,
    index: HashMap<([Box<str>; 4], Category), u32>,
}

impl EntryList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of the entry with these names, added if it is new.
    pub fn add(&mut self, names: EntryNames<'_>) -> u32 {
        let key = ([names.id.into(), names.kind.into(), names.name.into(), names.dictionary.into()], names.category);
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = u32::try_from(self.entries.len()).expect("more than 2^32 entries in one list");
        self.entries.push(key.clone());
        self.index.insert(key, i);
        i
    }
}

impl fmt::Debug for EntryList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntryList").field("entries", &self.entries.len()).finish()
    }
}

impl EntryTable for EntryList {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn names(&self, index: u32) -> EntryNames<'_> {
        let ([id, kind, name, dictionary], category) = &self.entries[index as usize];
        EntryNames { id, kind, name, dictionary, category: *category }
    }
}

/// Applies [`Overlap::LongestWins`] between the mentions already in a layer (`old`) and one
/// annotator's new ones: longest first, a mention is kept unless it overlaps a kept mention of
/// the other side. Mentions of one side never remove each other.
fn longest_wins(old: &mut Vec<Mention>, new: &mut Vec<Mention>) {
    if !any_overlap(old, new) {
        return;
    }
    // (length, side, position): longer first, then the mentions already there.
    let mut order: Vec<(usize, u8, usize)> = old.iter().enumerate().map(|(i, m)| (m.span.len(), 0, i)).collect();
    order.extend(new.iter().enumerate().map(|(i, m)| (m.span.len(), 1, i)));
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut kept: [BTreeSet<(usize, usize)>; 2] = Default::default();
    let mut longest = [0usize; 2];
    let mut keep = [vec![false; old.len()], vec![false; new.len()]];
    for (len, side, i) in order {
        let side = side as usize;
        let span = if side == 0 { old[i].span } else { new[i].span };
        let other = 1 - side;
        // A kept mention of the other side overlapping `span` starts after `span.start -
        // longest` and before `span.end`.
        let from = span.start.saturating_sub(longest[other]);
        let blocked = kept[other].range((from, 0)..(span.end, 0)).any(|&(s, e)| s < span.end && e > span.start)
            || (span.is_empty() && kept[other].contains(&(span.start, span.end)));
        if !blocked {
            kept[side].insert((span.start, span.end));
            longest[side] = longest[side].max(len);
            keep[side][i] = true;
        }
    }
    let [keep_old, keep_new] = keep;
    let mut flags = keep_old.into_iter();
    old.retain(|_| flags.next().unwrap_or(true));
    let mut flags = keep_new.into_iter();
    new.retain(|_| flags.next().unwrap_or(true));
}

/// Whether some mention of `a` overlaps some mention of `b` (both sorted by span).
fn any_overlap(a: &[Mention], b: &[Mention]) -> bool {
    let (mut i, mut j) = (0, 0);
    // The furthest end seen so far on each side, among mentions starting before the current.
    let (mut reach_a, mut reach_b) = (0usize, 0usize);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i].span, b[j].span);
        if x.start <= y.start {
            if reach_b > x.start || (x.start < y.end && y.start < x.end) {
                return true;
            }
            reach_a = reach_a.max(x.end);
            i += 1;
        } else {
            if reach_a > y.start || (y.start < x.end && x.start < y.end) {
                return true;
            }
            reach_b = reach_b.max(y.end);
            j += 1;
        }
    }
    a[i..].iter().any(|x| reach_b > x.span.start) || b[j..].iter().any(|y| reach_a > y.span.start)
}

/// Merges two span-sorted lists; on equal spans the mentions of `first` come first.
fn merge_sorted(first: Vec<Mention>, second: Vec<Mention>) -> Vec<Mention> {
    let mut out = Vec::with_capacity(first.len() + second.len());
    let mut b = second.into_iter().peekable();
    for m in first {
        while let Some(next) = b.next_if(|n| n.span < m.span) {
            out.push(next);
        }
        out.push(m);
    }
    out.extend(b);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Numbers(&'static str);
    impl EntryTable for Numbers {
        fn len(&self) -> usize {
            2
        }
        fn names(&self, index: u32) -> EntryNames<'_> {
            let id = ["n:0", "n:1"][index as usize];
            EntryNames { id, kind: "number", name: id, dictionary: self.0, category: Category::Other }
        }
    }

    fn spans(layer: &Mentions) -> Vec<(usize, usize, &str)> {
        layer.iter().map(|m| (m.span().start, m.span().end, m.dictionary())).collect()
    }

    fn layer_with(table: &Arc<dyn EntryTable>, spans: &[(usize, usize)], overlap: Overlap, layer: &mut Mentions) {
        let id = layer.table_id(table);
        layer.append(spans.iter().map(|&(s, e)| Mention::new(Span::new(s, e), id, 0)).collect(), overlap);
    }

    #[test]
    fn mentions_are_plain_copy_data() {
        fn is_copy<T: Copy + Send + Sync + 'static>() {}
        is_copy::<Mention>();
        assert!(std::mem::size_of::<Mention>() <= 24);
    }

    #[test]
    fn a_table_is_held_once_per_layer() {
        let table: Arc<dyn EntryTable> = Arc::new(Numbers("a"));
        let mut layer = Mentions::new();
        assert_eq!(layer.table_id(&table), layer.table_id(&table.clone()));
        assert_eq!(layer.tables().len(), 1);
        assert_eq!(Arc::strong_count(&table), 2);
        drop(layer);
        assert_eq!(Arc::strong_count(&table), 1);
    }

    #[test]
    fn a_second_annotator_appends_and_the_layer_stays_sorted() {
        let (a, b): (Arc<dyn EntryTable>, Arc<dyn EntryTable>) = (Arc::new(Numbers("a")), Arc::new(Numbers("b")));
        let mut layer = Mentions::new();
        layer_with(&a, &[(0, 3), (9, 12)], Overlap::LongestWins, &mut layer);
        layer_with(&b, &[(3, 6), (12, 15)], Overlap::LongestWins, &mut layer);
        assert_eq!(spans(&layer), [(0, 3, "a"), (3, 6, "b"), (9, 12, "a"), (12, 15, "b")]);
    }

    #[test]
    fn longest_wins_across_annotators_and_ties_keep_the_first() {
        let (a, b): (Arc<dyn EntryTable>, Arc<dyn EntryTable>) = (Arc::new(Numbers("a")), Arc::new(Numbers("b")));
        let mut layer = Mentions::new();
        // a: 北京市 (0..9) and 海淀 (30..36); b: 北京市文化局 (0..18) and a tie at 30..36.
        layer_with(&a, &[(0, 9), (30, 36)], Overlap::LongestWins, &mut layer);
        layer_with(&b, &[(0, 18), (30, 36)], Overlap::LongestWins, &mut layer);
        assert_eq!(spans(&layer), [(0, 18, "b"), (30, 36, "a")]);
    }

    #[test]
    fn a_dropped_mention_removes_nothing() {
        let (a, b): (Arc<dyn EntryTable>, Arc<dyn EntryTable>) = (Arc::new(Numbers("a")), Arc::new(Numbers("b")));
        let mut layer = Mentions::new();
        // a keeps overlapping mentions of its own: a short one and a long one; b's middle one
        // loses to the long one and so cannot remove the short one.
        layer_with(&a, &[(0, 3), (6, 30)], Overlap::Keep, &mut layer);
        layer_with(&b, &[(0, 9)], Overlap::LongestWins, &mut layer);
        assert_eq!(spans(&layer), [(0, 3, "a"), (6, 30, "a")]);
    }

    #[test]
    fn keep_keeps_both() {
        let (a, b): (Arc<dyn EntryTable>, Arc<dyn EntryTable>) = (Arc::new(Numbers("a")), Arc::new(Numbers("b")));
        let mut layer = Mentions::new();
        layer_with(&a, &[(0, 9)], Overlap::Keep, &mut layer);
        layer_with(&b, &[(0, 18), (0, 9)], Overlap::Keep, &mut layer);
        assert_eq!(spans(&layer), [(0, 9, "a"), (0, 9, "b"), (0, 18, "b")]);
    }

    #[test]
    fn any_overlap_sees_every_overlap() {
        let m = |s, e| Mention::new(Span::new(s, e), TableId(0), 0);
        assert!(!any_overlap(&[m(0, 3), m(6, 9)], &[m(3, 6), m(9, 12)]));
        assert!(any_overlap(&[m(0, 30)], &[m(3, 6), m(9, 12)]));
        assert!(any_overlap(&[m(0, 3), m(10, 12)], &[m(0, 30)]));
        assert!(any_overlap(&[m(5, 6)], &[m(0, 3), m(1, 9)]));
    }

    #[test]
    fn serialises_by_names_and_reads_back() {
        let names = EntryNames {
            id: "place:130000",
            kind: "province",
            name: "河北省",
            dictionary: "places",
            category: Category::Place,
        };
        let layer = Mentions::from_names([(Span::new(0, 6), names), (Span::new(9, 15), names)]);
        let json = serde_json::to_string(&layer).unwrap();
        assert_eq!(
            json,
            r#"[{"span":[0,6],"id":"place:130000","kind":"province","name":"河北省","dictionary":"places","category":"place"},{"span":[9,15],"id":"place:130000","kind":"province","name":"河北省","dictionary":"places","category":"place"}]"#
        );
        let back: Mentions = serde_json::from_str(&json).unwrap();
        assert_eq!(back, layer);
        assert_eq!(back.tables().len(), 1);
        assert_eq!(back.tables()[0].len(), 1, "one entry for both mentions");
    }
}
