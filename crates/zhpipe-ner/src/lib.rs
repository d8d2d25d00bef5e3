//! Person, place and organisation names, in the dictionaries or not: the `ner` stage of zhpipe.
//!
//! A statistical tagger labels every character of a sentence with a BIOES tag (begin, inside,
//! end of a name, a one-character name, or outside) of one of three types; the best sequence
//! under the learnt transitions is found by Viterbi search. Its features are the characters
//! around each position (unigrams, bigrams, the pair either side and their classes, [`Sentence`]),
//! and what earlier stages found when they ran: the segmenter's words and parts of speech, and
//! the gazetteer's matches with their category and kind, so that what the dictionaries know
//! helps the model instead of competing with it. The weights are an averaged perceptron's
//! ([`train`]), stored as a versioned artefact ([`Model`]); the default model is built into the
//! binary (`dictionaries/ner.model`, trained by `cargo xtask train ner`).
//!
//! The names go into the shared mention layer beside the gazetteer's:
//!
//! - a name whose span a dictionary entry already covers is that entry's mention (its id and
//!   canonical name), and one whose surface another mention of the document has, of the same
//!   category, links to that entry too;
//! - any other name is an unlinked mention: kind and category `person`, `place` or
//!   `organisation`, dictionary `ner`, the surface as its name, and an empty id (null in the
//!   tables), so that counts of names include the ones no dictionary lists;
//! - a title after a person's name (书记, 市长, 主任 …) is not part of it, and an organisation's
//!   name is made of whole words when a segmenter ran (`token_boundaries`);
//! - a recognised name removes the shorter dictionary mentions inside it (the place `北京市` in
//!   the organisation `北京市文化局`), unless `overlapping = true`.
//!
//! ```
//! use zhpipe_ner::{EntityType, Sentence, corpus, train::{Example, TrainOptions, train}};
//!
//! let pku = "新华社/nt  记者/n  王/nr  小明/nr  在/p  石家庄/ns  报道/v  。/w\n\
//!            新华社/nt  记者/n  李/nr  大为/nr  在/p  保定/ns  报道/v  。/w\n";
//! let examples: Vec<Example> = corpus::read_pku(pku)
//!     .unwrap()
//!     .into_iter()
//!     .map(|a| Example { gold: zhpipe_ner::encode(&a.entities, a.text.chars().count()), sentence: Sentence::new(&a.text) })
//!     .collect();
//! let model = train(&examples, &TrainOptions { min_count: 1, ..Default::default() }, |_| {});
//! let names = model.tag(&Sentence::new("新华社记者王小明在保定报道。"));
//! assert!(names.iter().any(|e| e.ty == EntityType::Person && (e.start, e.end) == (5, 8)));
//! ```

pub mod corpus;
mod features;
mod model;
mod tags;
pub mod train;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;
use zhpipe_core::{
    Category, ConfigError, Document, EntryList, EntryNames, EntryTable, Layers, Mention, Overlap, Registry, Span,
    Stage, StageDescriptor, StageError, StageSpec,
};

pub use features::{Sentence, fold};
pub use model::{MODEL_FORMAT, MODEL_MAGIC, Model, ModelData, ModelError};
pub use tags::{Entity, EntityType, TAGS, decode, encode, tag_name};

/// The stage's name in configs.
pub const STAGE_NAME: &str = "ner";

/// The dictionary name of the mentions of names no dictionary lists.
pub const DICTIONARY: &str = "ner";

/// The built-in model, as the config names it when it names none.
pub const DEFAULT_MODEL: &str = "<bundled>/dictionaries/ner.model";

/// Titles that follow a person's name and are not part of it, longest first where one ends
/// another.
const TITLES: &[&str] = &[
    "总书记",
    "副书记",
    "书记",
    "副主席",
    "主席",
    "副总理",
    "总理",
    "副市长",
    "市长",
    "副省长",
    "省长",
    "县长",
    "区长",
    "镇长",
    "乡长",
    "村长",
    "副主任",
    "主任",
    "副部长",
    "部长",
    "局长",
    "厅长",
    "处长",
    "科长",
    "院长",
    "校长",
    "所长",
    "董事长",
    "总经理",
    "经理",
    "总统",
    "首相",
    "主任委员",
    "委员",
    "议员",
    "大使",
    "代表",
    "同志",
    "先生",
    "女士",
    "教授",
    "博士",
    "记者",
    "总监",
    "秘书长",
    "司令员",
    "政委",
    "将军",
];

/// Registers the `ner` stage.
pub fn register(registry: &mut Registry) {
    registry.register(&DESCRIPTOR, build);
}

/// The `ner` stage: reads sentences (and words and mentions when there are some) and appends
/// to the mention layer.
pub static DESCRIPTOR: StageDescriptor = StageDescriptor::new(
    STAGE_NAME,
    "Person, place and organisation names, in the dictionaries or not (a character tagger).",
    Layers::SENTENCES,
    Layers::MENTIONS,
)
.reads(Layers::TOKENS.union(Layers::MENTIONS))
.appends(Layers::MENTIONS);

/// The `[[stage]]` table of `use = "ner"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NerConfig {
    /// The model file (made by `cargo xtask train ner`); the built-in model when unset.
    #[serde(default)]
    pub model: Option<PathBuf>,
    /// Keep the dictionary mentions inside a recognised name (a place inside an organisation)
    /// as mentions of their own, instead of letting the longer name replace them.
    #[serde(default)]
    pub overlapping: bool,
    /// Drop an organisation's name that begins or ends inside a segmenter's word (`党中央决策部`
    /// of 决策/部署): when words are there, an organisation is made of whole words. (People and
    /// places are kept either way: a segmenter often joins them to a neighbour, as in 访华.)
    #[serde(default = "yes")]
    pub token_boundaries: bool,
}

fn yes() -> bool {
    true
}

/// The factory registered for `use = "ner"`.
pub fn build(spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    let config: NerConfig = spec.parse()?;
    let path = config.model.as_ref().map_or_else(|| PathBuf::from(DEFAULT_MODEL), |p| spec.resolve(p));
    let model = Model::load(&path).map_err(|e| ConfigError::new(e.to_string()))?;
    Ok(Box::new(Ner::new(model, config.overlapping).with_token_boundaries(config.token_boundaries)))
}

/// The stage: a model and how its names meet the dictionaries'.
#[derive(Debug)]
pub struct Ner {
    model: Model,
    overlap: Overlap,
    token_boundaries: bool,
}

impl Ner {
    /// The stage with `model`; `overlapping` keeps dictionary mentions inside names.
    pub fn new(model: Model, overlapping: bool) -> Self {
        let overlap = if overlapping { Overlap::Keep } else { Overlap::LongestWins };
        Self { model, overlap, token_boundaries: true }
    }

    /// The same stage, keeping (`false`) or dropping (`true`, the default) organisations' names
    /// that begin or end inside a word.
    pub fn with_token_boundaries(mut self, token_boundaries: bool) -> Self {
        self.token_boundaries = token_boundaries;
        self
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The names in `doc`'s sentences as byte spans, with titles cut off people's names.
    pub fn find(&self, doc: &Document) -> Vec<(Span, EntityType)> {
        let mut found = Vec::new();
        for view in sentences(doc) {
            for entity in self.model.tag(&view.sentence) {
                if self.token_boundaries
                    && entity.ty == EntityType::Organisation
                    && view.sentence.cuts_a_word(entity.start, entity.end)
                {
                    continue;
                }
                let (start, mut end) = (view.byte(entity.start), view.byte(entity.end));
                if entity.ty == EntityType::Person {
                    end = start + without_title(&doc.text[start..end]).len();
                }
                if end > start {
                    found.push((Span::new(start, end), entity.ty));
                }
            }
        }
        found
    }
}

/// A sentence of a document as the tagger sees it, and where its characters are.
#[derive(Clone, Debug)]
pub struct SentenceView {
    /// The sentence's span in the document's text.
    pub span: Span,
    /// Its characters, words and gazetteer matches.
    pub sentence: Sentence,
    /// The byte offset (in the sentence) of each character, and of the sentence's end.
    offsets: Vec<usize>,
}

impl SentenceView {
    /// The byte offset in the document's text of character `index` of the sentence (`len()`
    /// gives the sentence's end).
    pub fn byte(&self, index: usize) -> usize {
        self.span.start + self.offsets[index]
    }
}

/// Every sentence of `doc` with the words (segment's tokens) and gazetteer matches (the
/// mentions already in the layer) inside it: what the tagger sees, in training as at run time.
pub fn sentences(doc: &Document) -> Vec<SentenceView> {
    let mut out = Vec::with_capacity(doc.sentences.len());
    let (mut token, mut mention) = (0usize, 0usize);
    let mentions = doc.mentions.as_slice();
    for &span in &doc.sentences {
        let text = &doc.text[span.range()];
        let mut sentence = Sentence::new(text);
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        offsets.push(text.len());
        let char_of = |byte: usize| byte.checked_sub(span.start).and_then(|b| offsets.binary_search(&b).ok());
        while token < doc.tokens.len() && doc.tokens[token].span.start < span.start {
            token += 1;
        }
        while token < doc.tokens.len() && doc.tokens[token].span.end <= span.end {
            let t = doc.tokens[token];
            if let (Some(s), Some(e)) = (char_of(t.span.start), char_of(t.span.end)) {
                sentence.add_word(s, e, t.pos.as_ref().map(|p| p.as_str()));
            }
            token += 1;
        }
        while mention < mentions.len() && mentions[mention].span.start < span.start {
            mention += 1;
        }
        let mut m = mention;
        while m < mentions.len() && mentions[m].span.start < span.end {
            let found = doc.mentions.resolve(mentions[m]);
            let names = found.names();
            if found.span().end <= span.end
                && let (Some(s), Some(e)) = (char_of(found.span().start), char_of(found.span().end))
            {
                sentence.add_match(s, e, names.category.as_str(), names.kind);
            }
            m += 1;
        }
        out.push(SentenceView { span, sentence, offsets });
    }
    out
}

/// A person's name without a title after it; the name as it is when nothing would be left.
fn without_title(name: &str) -> &str {
    for title in TITLES {
        if let Some(rest) = name.strip_suffix(title)
            && rest.chars().count() >= 2
        {
            return rest;
        }
    }
    name
}

fn category(ty: EntityType) -> Category {
    match ty {
        EntityType::Person => Category::Person,
        EntityType::Place => Category::Place,
        EntityType::Organisation => Category::Organisation,
    }
}

impl Stage for Ner {
    fn descriptor(&self) -> &'static StageDescriptor {
        &DESCRIPTOR
    }

    fn process(&self, doc: &mut Document) -> Result<(), StageError> {
        let found = self.find(doc);
        if found.is_empty() {
            return Ok(());
        }
        // What the dictionaries already say: mentions by span, and entries by surface.
        let mut by_span: HashSet<Span> = HashSet::new();
        let mut by_surface: HashMap<&str, Mention> = HashMap::new();
        for m in doc.mentions.iter() {
            by_span.insert(m.span());
            let names = m.names();
            if matches!(names.category, Category::Person | Category::Place | Category::Organisation) {
                by_surface.entry(&doc.text[m.span().range()]).or_insert(m.mention());
            }
        }
        let mut unlinked = EntryList::new();
        let mut new: Vec<Mention> = Vec::new();
        let mut pending: Vec<(Span, u32)> = Vec::new();
        for (span, ty) in found {
            if by_span.contains(&span) {
                continue;
            }
            let surface = &doc.text[span.range()];
            let linked =
                by_surface.get(surface).filter(|m| doc.mentions.resolve(**m).names().category == category(ty)).copied();
            match linked {
                Some(m) => new.push(Mention::new(span, m.table, m.entry)),
                None => {
                    let name: String = surface.chars().filter(|c| !c.is_whitespace()).collect();
                    let names = EntryNames {
                        id: "",
                        kind: ty.kind(),
                        name: &name,
                        dictionary: DICTIONARY,
                        category: category(ty),
                    };
                    pending.push((span, unlinked.add(names)));
                }
            }
        }
        if !pending.is_empty() {
            let table: Arc<dyn EntryTable> = Arc::new(unlinked);
            let id = doc.mentions.table_id(&table);
            new.extend(pending.into_iter().map(|(span, entry)| Mention::new(span, id, entry)));
        }
        doc.mentions.append(new, self.overlap);
        Ok(())
    }

    fn mention_kinds(&self) -> Option<BTreeSet<String>> {
        Some(EntityType::ALL.iter().map(|t| t.kind().to_owned()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_not_part_of_a_name() {
        assert_eq!(without_title("李鸿忠书记"), "李鸿忠");
        assert_eq!(without_title("王市长"), "王市长", "nothing but a surname would be left");
        assert_eq!(without_title("蔡奇"), "蔡奇");
        assert_eq!(without_title("习近平总书记"), "习近平");
        assert_eq!(without_title("王晓东主任委员"), "王晓东", "the longer title first");
    }
}
