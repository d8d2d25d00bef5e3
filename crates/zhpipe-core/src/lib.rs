//! The shared vocabulary of zhpipe: one [`Stage`] trait, one [`Document`] model, and the
//! [`Registry`] and [`PipelineConfig`] that turn a TOML file into a validated chain of stages.
//!
//! Every stage crate depends on this crate and nothing else of zhpipe, so a stage can be written,
//! tested and benchmarked on its own. The driver (`zhpipe`) owns threads, I/O and output; stages
//! are plain sequential code over one document at a time.
//!
//! A key design decision: annotations are **byte spans into [`Document::text`]**, always on char
//! boundaries, so `&doc.text[span.range()]` is the surface form. Stages that rewrite the text
//! (decode, clean, convert) must therefore run before any stage that annotates it; the chain is
//! checked for that before the first document is read ([`Chain::validate`]).
//!
//! ```
//! use zhpipe_core::{Document, Layers, Stage, StageDescriptor, StageError, Span, Token};
//!
//! /// Splits the text on ASCII spaces: a complete stage in a dozen lines.
//! struct Whitespace;
//!
//! static WHITESPACE: StageDescriptor =
//!     StageDescriptor::new("whitespace", "words between spaces", Layers::TEXT, Layers::TOKENS);
//!
//! impl Stage for Whitespace {
//!     fn descriptor(&self) -> &'static StageDescriptor { &WHITESPACE }
//!     fn process(&self, doc: &mut Document) -> Result<(), StageError> {
//!         let mut start = 0;
//!         for part in doc.text.split(' ') {
//!             doc.tokens.push(Token::new(Span::new(start, start + part.len()), None));
//!             start += part.len() + 1;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let mut doc = Document::from_text("demo", "京津冀 协同 发展");
//! Whitespace.process(&mut doc).unwrap();
//! let words: Vec<&str> = doc.tokens.iter().map(|t| &doc.text[t.span.range()]).collect();
//! assert_eq!(words, ["京津冀", "协同", "发展"]);
//! ```

#![forbid(unsafe_code)]

mod chain;
mod config;
mod document;
mod error;
mod golden;
mod label;
mod layers;
mod mention;
mod meta;
mod offsets;
mod registry;
mod span;
mod stage;
mod token;

pub use chain::{Chain, validate_descriptors};
pub use config::{
    InputConfig, LayerName, OutputConfig, OutputFormat, PipelineConfig, StageEntry, line_column, line_of,
};
pub use document::{Document, Violation};
pub use error::{ConfigError, ConfigErrorKind, ConfigLocation, StageError, StageErrorKind};
pub use golden::check_golden;
pub use label::{Label, SentenceLabels};
pub use layers::Layers;
pub use mention::{
    Category, EntryList, EntryNames, EntryTable, Iter as MentionIter, Mention, MentionRef, Mentions, Overlap, TableId,
};
pub use meta::{EncodingReport, EncodingSource, Meta, Note, Removed};
pub use offsets::{OffsetMap, OffsetMapBuilder, Original};
pub use registry::{Registry, StageFactory, StageSpec};
pub use span::Span;
pub use stage::{NamedKind, OptionNeed, Stage, StageDescriptor};
pub use token::{PosTag, Token};
