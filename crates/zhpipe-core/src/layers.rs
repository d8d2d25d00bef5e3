//! The layers of a [`Document`](crate::Document) a stage reads and writes.
//!
//! The driver checks the chain with these before any document is read: every layer a stage
//! requires must be provided by the input or an earlier stage, and a stage that provides
//! [`Layers::TEXT`] (rewrites the text) may not follow one that provides an annotation layer,
//! because rewriting the text would invalidate the annotations' byte spans.

use std::fmt;

bitflags::bitflags! {
    /// A set of document layers.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Layers: u16 {
        /// The undecoded input bytes.
        const RAW = 1 << 0;
        /// The current text (`Document::text`). A stage that provides it rewrites the text.
        const TEXT = 1 << 1;
        /// Document metadata (title, date, source, …).
        const META = 1 << 2;
        /// Sentence spans.
        const SENTENCES = 1 << 3;
        /// Word spans with optional part-of-speech tags.
        const TOKENS = 1 << 4;
        /// Gazetteer mentions.
        const MENTIONS = 1 << 5;
        /// Per-sentence theme labels.
        const LABELS = 1 << 6;
        /// The layers that hold byte spans into the text.
        const ANNOTATIONS = Self::SENTENCES.bits() | Self::TOKENS.bits()
            | Self::MENTIONS.bits() | Self::LABELS.bits();
    }
}

impl Layers {
    /// The lower-case names of the single layers in this set, in declaration order.
    pub fn names(self) -> Vec<&'static str> {
        const NAMES: [(Layers, &str); 7] = [
            (Layers::RAW, "raw"),
            (Layers::TEXT, "text"),
            (Layers::META, "meta"),
            (Layers::SENTENCES, "sentences"),
            (Layers::TOKENS, "tokens"),
            (Layers::MENTIONS, "mentions"),
            (Layers::LABELS, "labels"),
        ];
        NAMES.iter().filter(|(l, _)| self.contains(*l)).map(|(_, n)| *n).collect()
    }
}

impl fmt::Display for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names();
        if names.is_empty() { f.write_str("nothing") } else { f.write_str(&names.join(" + ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_single_layers() {
        assert_eq!((Layers::TEXT | Layers::TOKENS).to_string(), "text + tokens");
        assert_eq!(Layers::empty().to_string(), "nothing");
        assert_eq!(Layers::ANNOTATIONS.to_string(), "sentences + tokens + mentions + labels");
    }
}
