//! A built chain of stages: validated before the first document, run on each one.

use crate::{ConfigError, Document, Layers, Stage, StageEntry, StageError};

/// A built, validated sequence of stages.
pub struct Chain {
    stages: Vec<(StageEntry, Box<dyn Stage>)>,
    check: bool,
}

impl Chain {
    pub(crate) fn from_entries(stages: Vec<(StageEntry, Box<dyn Stage>)>) -> Self {
        Self { stages, check: cfg!(debug_assertions) }
    }

    /// Whether [`run`](Self::run) checks the document's invariants after every stage: on in
    /// debug builds and tests, off in release builds unless asked for (`zhpipe run --check`).
    pub fn with_checks(mut self, check: bool) -> Self {
        self.check = check;
        self
    }

    /// A chain from already-built stages (tests, embedding). Call [`validate`](Self::validate).
    pub fn from_stages(stages: Vec<Box<dyn Stage>>) -> Self {
        let stages = stages
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let entry =
                    StageEntry { number: i + 1, name: s.name().to_owned(), line: None, table: toml::Table::new() };
                (entry, s)
            })
            .collect();
        Self::from_entries(stages)
    }

    /// Checks that every stage's inputs are provided by the input or an earlier stage, and that
    /// no stage rewrites the text after another has annotated it.
    pub fn validate(&self, input_layers: Layers) -> Result<(), ConfigError> {
        let mut available = input_layers;
        let mut annotated_by: Option<&str> = None;
        for (entry, stage) in &self.stages {
            let missing = stage.requires() - available;
            if !missing.is_empty() {
                return Err(ConfigError::new(format!(
                    "stage `{}` requires {missing}, which no earlier stage provides (available: {available})",
                    stage.name()
                ))
                .context(entry.location()));
            }
            if stage.provides().contains(Layers::TEXT) {
                if let Some(annotator) = annotated_by {
                    return Err(ConfigError::new(format!(
                        "stage `{}` rewrites the text after `{annotator}` annotated it; move it before `{annotator}`",
                        stage.name()
                    ))
                    .context(entry.location()));
                }
            }
            if stage.provides().intersects(Layers::ANNOTATIONS) && annotated_by.is_none() {
                annotated_by = Some(stage.name());
            }
            available |= stage.provides();
        }
        Ok(())
    }

    /// The union of what the input and every stage provide.
    pub fn provides(&self, input_layers: Layers) -> Layers {
        self.stages.iter().fold(input_layers, |acc, (_, s)| acc | s.provides())
    }

    /// The stages in order.
    pub fn stages(&self) -> impl ExactSizeIterator<Item = &dyn Stage> {
        self.stages.iter().map(|(_, s)| s.as_ref())
    }

    /// Number of stages.
    pub fn len(&self) -> usize {
        self.stages.len()
    }

    /// Whether the chain has no stages.
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// Runs every stage on `doc`; on failure returns the failing stage's index and error.
    /// `observe(index, elapsed)` is called after each stage, for timing.
    pub fn run(
        &self,
        doc: &mut Document,
        mut observe: impl FnMut(usize, std::time::Duration),
    ) -> Result<(), (usize, StageError)> {
        for (i, (_, stage)) in self.stages.iter().enumerate() {
            let had_original = doc.original().is_some();
            let started = std::time::Instant::now();
            let result = stage.process(doc);
            observe(i, started.elapsed());
            result.map_err(|e| (i, e))?;
            // A stage that dropped the original may have said why; otherwise the chain says it.
            if had_original
                && doc.original().is_none()
                && !doc.notes.iter().any(|n| n.kind == "original-dropped" && n.stage == stage.name())
            {
                doc.note(
                    stage.name(),
                    "original-dropped",
                    "the text was rewritten without a map back to the original script; original_text is dropped",
                );
            }
            doc.mark_filled(stage.provides());
            if self.check {
                doc.check().map_err(|v| (i, StageError::internal(format!("broken invariant: {v}"))))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OffsetMap, Original};

    struct Uppercase;

    impl Stage for Uppercase {
        fn name(&self) -> &str {
            "uppercase"
        }
        fn requires(&self) -> Layers {
            Layers::TEXT
        }
        fn provides(&self) -> Layers {
            Layers::TEXT
        }
        fn process(&self, doc: &mut Document) -> Result<(), StageError> {
            let text = doc.text.to_uppercase();
            doc.set_text(text);
            Ok(())
        }
    }

    #[test]
    fn a_rewrite_without_a_map_drops_the_original_with_a_note() {
        let mut doc = Document::from_text("d", "abc");
        doc.set_original(Original::new("ABC".into(), OffsetMap::identity(3)));
        let chain = Chain::from_stages(vec![Box::new(Uppercase)]).with_checks(true);
        chain.run(&mut doc, |_, _| {}).unwrap();
        assert!(doc.original().is_none());
        let note = doc.notes.iter().find(|n| n.kind == "original-dropped").expect("noted");
        assert_eq!(note.stage, "uppercase");
    }
}
