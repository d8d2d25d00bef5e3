//! The chain as a library: one document in, its record out, without files or threads of the
//! driver's. This is what the Python package calls, and what a run builds before it starts.
//!
//! ```
//! let pipeline = zhpipe::Pipeline::from_path(zhpipe::bundled::CONFIG.as_ref(), None).unwrap();
//! let doc = zhpipe_core::Document::from_text("0", "习近平在北京考察。");
//! let record = pipeline.process(doc).into_record();
//! assert!(record.is_ok());
//! let names: Vec<_> = record.mentions.unwrap().iter().map(|m| m.id.to_string()).collect();
//! assert_eq!(names, ["person:xi-jinping", "place:110000"]);
//! ```

use std::path::Path;

use zhpipe_core::{Chain, Document, LayerName, Layers, PipelineConfig, Registry};

use crate::record::Record;

/// A chain built from a config, with the layers its records keep.
pub struct Pipeline {
    config: PipelineConfig,
    chain: Chain,
    layers: Layers,
    warnings: Vec<String>,
}

/// What became of one document: processed, or the stage that failed and why.
pub enum Outcome {
    /// Every stage ran.
    Done(Box<Document>, Layers),
    /// A stage (or reading the input: stage `input`) failed.
    Failed {
        /// The document's id.
        id: String,
        /// The stage that failed.
        stage: String,
        /// Why.
        error: String,
    },
}

impl Outcome {
    /// The record of the outcome, owning its strings.
    pub fn into_record(self) -> Record<'static> {
        match self {
            Outcome::Done(doc, layers) => Record::ok(&doc, layers).into_owned(),
            Outcome::Failed { id, stage, error } => Record::error(&id, &stage, &error).into_owned(),
        }
    }
}

impl Pipeline {
    /// Builds the pipeline of the config file at `path` (or the built-in one,
    /// [`bundled::CONFIG`](crate::bundled::CONFIG)) with every stage of this build. `layers`
    /// overrides the config's `[output] layers`. Errors are the messages the CLI prints.
    pub fn from_path(path: &Path, layers: Option<&[LayerName]>) -> Result<Self, String> {
        let config = crate::load_config(path).map_err(|e| e.message())?;
        Self::from_config(config, layers, &crate::registry())
    }

    /// Builds the pipeline of a config given as TOML text; relative paths in it are relative to
    /// the directory of `path`, which also names the config in error messages.
    pub fn from_toml(text: &str, path: &Path, layers: Option<&[LayerName]>) -> Result<Self, String> {
        crate::bundled::install();
        let config = PipelineConfig::parse(text, path).map_err(|e| e.message())?;
        Self::from_config(config, layers, &crate::registry())
    }

    /// Builds the pipeline of a parsed config with the stages of `registry`.
    pub fn from_config(
        config: PipelineConfig,
        layers: Option<&[LayerName]>,
        registry: &Registry,
    ) -> Result<Self, String> {
        // Files and JSONL `bytes_base64` records arrive as raw bytes; the first stage decodes them.
        let chain = config.build(registry, Layers::RAW).map_err(|e| e.message())?;
        let mut warnings: Vec<String> = chain.warnings().to_vec();
        let provided = chain.provides(Layers::RAW);
        let layers = match layers.or(config.output.layers.as_deref()) {
            Some(selected) => {
                let selected = LayerName::set(selected);
                let missing = selected & !provided;
                if !missing.is_empty() {
                    warnings.push(format!("the chain does not provide {missing}; those layers are not written"));
                }
                provided & selected
            }
            None => provided,
        };
        Ok(Self { config, chain, layers, warnings })
    }

    /// Checks the document's invariants after every stage (`--check`), failing the document
    /// whose stage broke one.
    pub fn with_checks(mut self, check: bool) -> Self {
        self.chain = self.chain.with_checks(check);
        self
    }

    /// The config the pipeline was built from.
    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// The chain of stages.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The layers records keep.
    pub fn layers(&self) -> Layers {
        self.layers
    }

    /// What building the chain found doubtful, for the user to read.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Runs one document through every stage, calling `observe` with each stage's index and
    /// time. A stage's error (or panic) is the document's outcome, never the caller's.
    pub fn process_observed(&self, mut doc: Document, observe: impl FnMut(usize, std::time::Duration)) -> Outcome {
        match self.chain.run(&mut doc, observe) {
            Ok(()) => Outcome::Done(Box::new(doc), self.layers),
            Err((i, error)) => Outcome::Failed {
                stage: self.chain.names().nth(i).unwrap_or("?").to_owned(),
                error: error.message().to_owned(),
                id: doc.id,
            },
        }
    }

    /// Runs one document through every stage.
    pub fn process(&self, doc: Document) -> Outcome {
        self.process_observed(doc, |_, _| {})
    }
}
