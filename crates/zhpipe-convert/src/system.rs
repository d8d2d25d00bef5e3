//! The `opencc` backend: the system's OpenCC library through `opencc-rust`.

use std::path::Path;

use zhpipe_core::{ConfigError, OffsetMapBuilder};

use crate::Profile;

const DEFAULT_DATA_DIR: &str = "/usr/share/opencc";

/// One profile opened in the system library, with the system's data files.
pub(crate) struct SystemConverter {
    opencc: opencc_rust::OpenCC,
}

impl SystemConverter {
    pub(crate) fn open(profile: Profile, data_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let dir = data_dir.unwrap_or(Path::new(DEFAULT_DATA_DIR));
        let config = dir.join(format!("{}.json", profile.name()));
        if !config.is_file() {
            return Err(ConfigError::new(format!(
                "OpenCC config {} not found (install the OpenCC data, e.g. Debian's libopencc-data, \
                 or set opencc_data_dir)",
                config.display()
            )));
        }
        let opencc = opencc_rust::OpenCC::new(&config)
            .map_err(|e| ConfigError::new(format!("{}: OpenCC cannot open it: {e}", config.display())))?;
        Ok(Self { opencc })
    }

    /// Converts paragraph by paragraph, so that a length change costs at most one paragraph of
    /// offset precision: a paragraph that keeps its number of characters maps character by
    /// character (OpenCC's phrases almost always do), any other is one replacement.
    pub(crate) fn convert_into(&self, text: &str, out: &mut String, map: &mut OffsetMapBuilder) {
        for paragraph in text.split_inclusive('\n') {
            // The library refuses only text that is not UTF-8, which a `&str` cannot be.
            let converted = self.opencc.convert(paragraph).unwrap_or_else(|_| paragraph.to_owned());
            if converted.chars().count() == paragraph.chars().count() {
                let mut old_chars = paragraph.char_indices().peekable();
                for (_, new_char) in converted.char_indices() {
                    let (_, old_char) = old_chars.next().expect("same number of chars");
                    let mut old_buf = [0; 4];
                    let mut new_buf = [0; 4];
                    map.replace_str(old_char.encode_utf8(&mut old_buf), new_char.encode_utf8(&mut new_buf));
                }
            } else {
                map.replace_str(paragraph, &converted);
            }
            out.push_str(&converted);
        }
    }
}
