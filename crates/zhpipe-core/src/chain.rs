//! A chain of stages: checked from descriptors before anything is built, then run on each
//! document.

use std::collections::BTreeSet;

use crate::{Category, ConfigError, ConfigErrorKind, Document, Layers, Stage, StageDescriptor, StageEntry, StageError};

/// A built, validated sequence of stages.
pub struct Chain {
    stages: Vec<(StageEntry, Box<dyn Stage>)>,
    warnings: Vec<String>,
    check: bool,
}

impl Chain {
    pub(crate) fn from_entries(stages: Vec<(StageEntry, Box<dyn Stage>)>, mut warnings: Vec<String>) -> Self {
        for (entry, stage) in &stages {
            warnings.extend(stage.build_warnings().into_iter().map(|w| format!("{}: {w}", entry.location())));
        }
        Self { stages, warnings, check: cfg!(debug_assertions) }
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
                let entry = StageEntry {
                    number: i + 1,
                    name: s.descriptor().name.to_owned(),
                    line: None,
                    table: toml::Table::new(),
                    source: None,
                };
                (entry, s)
            })
            .collect();
        Self::from_entries(stages, Vec::new())
    }

    /// Checks the chain as [`validate_descriptors`] does, and the mention kinds its stages name
    /// as [`PipelineConfig::build`](crate::PipelineConfig::build) does; returns the warnings.
    pub fn validate(&self, input_layers: Layers) -> Result<Vec<String>, ConfigError> {
        let warnings = validate_descriptors(self.stages.iter().map(|(e, s)| (e, s.descriptor())), input_layers)?;
        check_mention_kinds(&self.stages)?;
        Ok(warnings)
    }

    /// What the chain was built with but will not do, one located message each: an option
    /// that reads a layer no earlier stage provides.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The union of what the input and every stage provide.
    pub fn provides(&self, input_layers: Layers) -> Layers {
        self.stages.iter().fold(input_layers, |acc, (_, s)| acc | s.descriptor().provides)
    }

    /// The stages in order.
    pub fn stages(&self) -> impl ExactSizeIterator<Item = &dyn Stage> {
        self.stages.iter().map(|(_, s)| s.as_ref())
    }

    /// The stages' names in order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &'static str> + '_ {
        self.stages.iter().map(|(_, s)| s.descriptor().name)
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
            let descriptor = stage.descriptor();
            let had_original = doc.original().is_some();
            let started = std::time::Instant::now();
            // A panic in one stage on one document is a bug, not a reason to lose the corpus: it
            // becomes that document's error. Unwind safety holds because a document whose stage
            // failed is never read again: the driver writes an error record for it instead.
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stage.process(doc))).unwrap_or_else(|panic| {
                    Err(StageError::internal(format!("internal error: {}", panic_message(&*panic))))
                });
            observe(i, started.elapsed());
            result.map_err(|e| (i, e))?;
            // A stage that dropped the original may have said why; otherwise the chain says it.
            if had_original
                && doc.original().is_none()
                && !doc.notes.iter().any(|n| n.kind == "original-dropped" && n.stage == descriptor.name)
            {
                doc.note(
                    descriptor.name,
                    "original-dropped",
                    "the text was rewritten without a map back to the original script; original_text is dropped",
                );
            }
            doc.mark_filled(descriptor.provides);
            if self.check {
                doc.check().map_err(|v| (i, StageError::internal(format!("broken invariant: {v}"))))?;
            }
        }
        Ok(())
    }
}

/// The message a panic was raised with, when it is a string.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

/// Checks, once the stages are built, that every mention kind a stage names
/// ([`Stage::kinds_named`]) is one that an earlier stage writes ([`Stage::mention_kinds`]). Not
/// checked when no earlier stage writes mentions (the stage then does without them), nor after
/// a mention writer that cannot tell its kinds.
pub(crate) fn check_mention_kinds(stages: &[(StageEntry, Box<dyn Stage>)]) -> Result<(), ConfigError> {
    let mut known: BTreeSet<String> = BTreeSet::new();
    let mut writers: Vec<&StageEntry> = Vec::new();
    let mut all_told = true;
    for (entry, stage) in stages {
        if !writers.is_empty()
            && all_told
            && let Some(named) = stage.kinds_named().into_iter().find(|n| !known.contains(&n.kind))
        {
            let kinds: Vec<&str> = known.iter().map(String::as_str).collect();
            let writers: Vec<String> = writers.iter().map(|w| w.location()).collect();
            let category = Category::ALL.iter().any(|c| c.as_str() == named.kind);
            let hint = if category { ", and it is a dictionary's category, not an entry kind" } else { "" };
            let writes = if writers.len() == 1 { "writes" } else { "write" };
            return Err(ConfigError::of_kind(
                ConfigErrorKind::Chain,
                format!(
                    "{}: mention kind `{}` is written by no stage before it{hint} (the kinds {} {writes}: {})",
                    named.location,
                    named.kind,
                    writers.join(" and "),
                    kinds.join(", ")
                ),
            )
            .in_entry(entry.number, &entry.name, entry.line));
        }
        if stage.descriptor().provides.contains(Layers::MENTIONS) {
            writers.push(entry);
            match stage.mention_kinds() {
                Some(kinds) => known.extend(kinds),
                None => all_told = false,
            }
        }
    }
    Ok(())
}

/// Checks a chain from its entries' descriptors alone, so that a wrong chain is refused before
/// any stage loads a dictionary: every required layer is provided by the input or an earlier
/// stage; no stage rewrites the text after another annotated it; an annotation layer that
/// cannot be appended to has one writer. Returns warnings for options that read a layer no
/// earlier stage provides.
pub fn validate_descriptors<'a>(
    entries: impl IntoIterator<Item = (&'a StageEntry, &'a StageDescriptor)>,
    input_layers: Layers,
) -> Result<Vec<String>, ConfigError> {
    let mut available = input_layers;
    let mut annotated_by: Option<&StageEntry> = None;
    let mut writers: Vec<(Layers, &StageEntry)> = Vec::new();
    let mut warnings = Vec::new();
    for (entry, descriptor) in entries {
        let missing = descriptor.requires - available;
        if !missing.is_empty() {
            return Err(ConfigError::of_kind(
                ConfigErrorKind::Chain,
                format!(
                    "stage `{}` requires {missing}, which no earlier stage provides (available: {available})",
                    descriptor.name
                ),
            )
            .in_entry(entry.number, &entry.name, entry.line));
        }
        if descriptor.provides.contains(Layers::TEXT)
            && let Some(annotator) = annotated_by
        {
            return Err(ConfigError::of_kind(
                ConfigErrorKind::Chain,
                format!(
                    "stage `{}` rewrites the text after `{}` annotated it; move it before `{}`",
                    descriptor.name, annotator.name, annotator.name
                ),
            )
            .in_entry(entry.number, &entry.name, entry.line));
        }
        let owned = descriptor.provides & (Layers::ANNOTATIONS - descriptor.appends);
        if let Some((layers, first)) = writers.iter().find(|(layers, _)| layers.intersects(owned)) {
            return Err(ConfigError::of_kind(
                ConfigErrorKind::Chain,
                format!(
                "stage `{}` writes {}, which {} already wrote; one stage writes each of sentences, tokens and labels (only mentions take several writers)",
                descriptor.name,
                *layers & owned,
                first.location()
                ),
            )
            .in_entry(entry.number, &entry.name, entry.line));
        }
        writers.push((owned, entry));
        for need in descriptor.options {
            let set = entry.table.get(need.key).is_some_and(|value| {
                let shown = match value {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                need.values.is_empty() || need.values.contains(&shown.as_str())
            });
            if set && !available.contains(need.layer) {
                warnings.push(format!(
                    "{}: `{}` uses {}, which no earlier stage provides; it has no effect",
                    entry.location(),
                    need.key,
                    need.layer
                ));
            }
        }
        if descriptor.provides.intersects(Layers::ANNOTATIONS) && annotated_by.is_none() {
            annotated_by = Some(entry);
        }
        available |= descriptor.provides;
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OffsetMap, Original};

    struct Uppercase;

    static UPPERCASE: StageDescriptor =
        StageDescriptor::new("uppercase", "upper-cases the text", Layers::TEXT, Layers::TEXT);

    impl Stage for Uppercase {
        fn descriptor(&self) -> &'static StageDescriptor {
            &UPPERCASE
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
