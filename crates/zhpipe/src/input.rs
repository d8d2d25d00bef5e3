//! Where documents come from: files and directories walked lazily in sorted order, or JSONL
//! records on stdin. Nothing is read before it is needed, so memory does not grow with the
//! size of the corpus.

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;
use zhpipe_core::Document;

/// One input document, not yet read: reading happens on a worker thread.
pub(crate) enum Pending {
    /// A file to read, if it is within the size limit.
    File { id: String, path: PathBuf },
    /// A JSONL record whose id has been read; the rest of the line (the text, base64 decoding)
    /// is parsed on a worker thread. Only the id is needed to decide whether a record belongs
    /// to this shard or was already written, so records that are skipped cost one scan.
    Record { id: String, line_number: usize, line: String },
    /// An input that cannot become a document; it still produces an error record.
    Failed { id: String, error: String },
}

impl Pending {
    /// The id the document's record will have.
    pub(crate) fn id(&self) -> &str {
        match self {
            Pending::File { id, .. } | Pending::Record { id, .. } | Pending::Failed { id, .. } => id,
        }
    }

    /// Reads the document. Files over `max_bytes` are refused from their metadata, unread.
    pub(crate) fn load(self, max_bytes: u64) -> Result<Document, (String, String)> {
        match self {
            Pending::Record { id, line_number, line } => parse_record(id, line_number, &line),
            Pending::Failed { id, error } => Err((id, error)),
            Pending::File { id, path } => match read_limited(&path, max_bytes) {
                Ok(bytes) => Ok(Document::from_bytes(id, bytes)),
                Err(error) => Err((id, error)),
            },
        }
    }
}

fn read_limited(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => {
            let dangling = fs::symlink_metadata(path).map(|m| m.file_type().is_symlink()).unwrap_or(false);
            return Err(if dangling {
                format!("cannot read {}: dangling symbolic link ({e})", path.display())
            } else {
                format!("cannot read {}: {e}", path.display())
            });
        }
    };
    // Opening a named pipe blocks until a writer comes, and a device such as /dev/zero reports
    // a length of 0 and never ends: only regular files are read.
    if !meta.is_file() {
        return Err(format!("{} is not a regular file ({}): skipped", path.display(), file_kind(&meta.file_type())));
    }
    let over_limit = |len: u64| {
        format!("{} is {len} bytes, over the size limit of {max_bytes} bytes ([input] max_bytes)", path.display())
    };
    if meta.len() > max_bytes {
        return Err(over_limit(meta.len()));
    }
    // The limit holds for the bytes read too, for a file that grows while it is read.
    let file = fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "{} grew while it was read: more than {max_bytes} bytes ([input] max_bytes)",
            path.display()
        ));
    }
    Ok(bytes)
}

/// What kind of file a non-regular file is, for its error record.
fn file_kind(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() { "a directory" } else { "not a file" }
}

/// A document id for a path: relative to the working directory when possible, with `/`
/// separators and no leading `./`, so that ids are the same on every machine and platform.
fn id_for(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd).ok()).unwrap_or(path);
    let id = rel.components().filter(|c| !matches!(c, std::path::Component::CurDir));
    id.map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Walks files and directories depth-first in sorted order, reading each directory only when
/// the walk reaches it.
pub(crate) struct Walk {
    /// Paths still to visit, last first.
    stack: Vec<PathBuf>,
    /// Canonical directories already walked, so a symbolic-link loop ends.
    seen_dirs: HashSet<PathBuf>,
}

impl Walk {
    /// A walk over the given roots, in the order given.
    pub(crate) fn new(roots: Vec<PathBuf>) -> Self {
        let mut stack = roots;
        stack.reverse();
        Self { stack, seen_dirs: HashSet::new() }
    }
}

impl Iterator for Walk {
    type Item = Pending;

    fn next(&mut self) -> Option<Pending> {
        loop {
            let path = self.stack.pop()?;
            // `metadata` follows links; a dangling link fails here and becomes an error record
            // when it is loaded.
            let is_dir = fs::metadata(&path).map(|m| m.is_dir()).unwrap_or(false);
            if !is_dir {
                return Some(Pending::File { id: id_for(&path), path });
            }
            let canonical = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if !self.seen_dirs.insert(canonical) {
                continue;
            }
            match fs::read_dir(&path) {
                Ok(entries) => {
                    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                    children.sort();
                    self.stack.extend(children.into_iter().rev());
                }
                Err(e) => {
                    return Some(Pending::Failed {
                        id: id_for(&path),
                        error: format!("cannot list directory {}: {e}", path.display()),
                    });
                }
            }
        }
    }
}

/// A JSONL input record: `{"id", "text"}` or `{"id", "bytes_base64"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    id: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    bytes_base64: Option<String>,
}

/// Reads JSONL records from a reader, one document per non-blank line.
pub(crate) struct JsonLines<R> {
    reader: R,
    line_number: usize,
    name: String,
    /// Set after a read error: the stream cannot be trusted to make progress.
    broken: bool,
}

impl<R: BufRead> JsonLines<R> {
    /// Records from `reader`; `name` (e.g. `stdin`) makes ids for lines that have none.
    pub(crate) fn new(reader: R, name: impl Into<String>) -> Self {
        Self { reader, line_number: 0, name: name.into(), broken: false }
    }

    fn parse(&self, line: String) -> Pending {
        /// The id alone, borrowed from the line when it has no escapes; other fields are
        /// scanned over, not copied.
        #[derive(Deserialize)]
        struct IdOnly<'a> {
            #[serde(borrow)]
            id: std::borrow::Cow<'a, str>,
        }
        match serde_json::from_str::<IdOnly>(&line) {
            Ok(record) => Pending::Record { id: record.id.into_owned(), line_number: self.line_number, line },
            Err(e) => Pending::Failed {
                id: format!("{}:{}", self.name, self.line_number),
                error: format!("line {} is not a valid record: {e}", self.line_number),
            },
        }
    }
}

/// Parses a whole JSONL record whose id is known.
fn parse_record(id: String, line_number: usize, line: &str) -> Result<Document, (String, String)> {
    let record: Record = match serde_json::from_str(line) {
        Ok(record) => record,
        Err(e) => return Err((id, format!("line {line_number} is not a valid record: {e}"))),
    };
    match (record.text, record.bytes_base64) {
        (Some(text), None) => Ok(Document::from_text(record.id, text)),
        (None, Some(encoded)) => match base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
            Ok(bytes) => Ok(Document::from_bytes(record.id, bytes)),
            Err(e) => Err((record.id, format!("line {line_number}: `bytes_base64` is not valid base64: {e}"))),
        },
        _ => Err((record.id, format!("line {line_number}: a record needs exactly one of `text` and `bytes_base64`"))),
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Pending;

    fn next(&mut self) -> Option<Pending> {
        if self.broken {
            return None;
        }
        loop {
            let mut line = Vec::new();
            self.line_number += 1;
            match self.reader.read_until(b'\n', &mut line) {
                Ok(0) => return None,
                Ok(_) => match String::from_utf8(line) {
                    Ok(text) if text.trim().is_empty() => continue,
                    Ok(text) => return Some(self.parse(text)),
                    Err(_) => {
                        return Some(Pending::Failed {
                            id: format!("{}:{}", self.name, self.line_number),
                            error: format!("line {} is not UTF-8", self.line_number),
                        });
                    }
                },
                Err(e) => {
                    self.broken = true;
                    return Some(Pending::Failed {
                        id: format!("{}:{}", self.name, self.line_number),
                        error: format!("cannot read {}: {e}", self.name),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_records_become_documents_or_errors() {
        let input = concat!(
            "{\"id\": \"a\", \"text\": \"京津冀\"}\n",
            "\n",
            "{\"id\": \"b\", \"bytes_base64\": \"5Lqs\"}\n",
            "not json\n",
            "{\"id\": \"c\"}\n",
            "{\"id\": \"d\", \"bytes_base64\": \"%%%\"}\n",
        );
        let items: Vec<Pending> = JsonLines::new(input.as_bytes(), "stdin").collect();
        let loaded: Vec<Result<Document, (String, String)>> = items.into_iter().map(|p| p.load(1 << 20)).collect();
        assert_eq!(loaded.len(), 5);
        assert_eq!(loaded[0].as_ref().unwrap().text, "京津冀");
        assert_eq!(loaded[1].as_ref().unwrap().raw, "京".as_bytes());
        let (id, error) = loaded[2].as_ref().unwrap_err();
        assert_eq!(id, "stdin:4");
        assert!(error.starts_with("line 4 is not a valid record"), "{error}");
        let (id, error) = loaded[3].as_ref().unwrap_err();
        assert_eq!(
            (id.as_str(), error.as_str()),
            ("c", "line 5: a record needs exactly one of `text` and `bytes_base64`")
        );
        assert!(loaded[4].as_ref().unwrap_err().1.contains("not valid base64"));
    }

    #[test]
    fn a_record_with_a_readable_id_keeps_it_in_its_error() {
        let input = "{\"id\": \"x\", \"txt\": \"typo\"}\n{\"id\": \"\\u4eac\", \"text\": \"京\"}\n";
        let loaded: Vec<Result<Document, (String, String)>> =
            JsonLines::new(input.as_bytes(), "stdin").map(|p| p.load(1 << 20)).collect();
        let (id, error) = loaded[0].as_ref().unwrap_err();
        assert_eq!(id, "x");
        assert!(error.starts_with("line 1 is not a valid record: unknown field `txt`"), "{error}");
        // An escaped id is unescaped, as the full parse would.
        assert_eq!(loaded[1].as_ref().unwrap().id, "京");
    }

    #[test]
    fn non_utf8_line_is_an_error_record_and_reading_goes_on() {
        let mut input = b"\xff\xfe bad\n".to_vec();
        input.extend_from_slice("{\"id\": \"ok\", \"text\": \"北京\"}\n".as_bytes());
        let items: Vec<Pending> = JsonLines::new(&input[..], "stdin").collect();
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[0], Pending::Failed { error, .. } if error == "line 1 is not UTF-8"));
        assert!(matches!(&items[1], Pending::Record { id, line_number: 2, .. } if id == "ok"));
    }

    #[cfg(unix)]
    #[test]
    fn pipes_and_devices_are_error_records_not_reads() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.txt");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        let zero = dir.path().join("zero.txt");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let pending: Vec<Pending> = Walk::new(vec![dir.path().to_owned()]).collect();
        assert_eq!(pending.len(), 2);
        let errors: Vec<String> = pending.into_iter().map(|p| p.load(1 << 20).unwrap_err().1).collect();
        assert!(errors[0].ends_with("pipe.txt is not a regular file (a named pipe): skipped"), "{}", errors[0]);
        assert!(errors[1].ends_with("zero.txt is not a regular file (a character device): skipped"), "{}", errors[1]);
    }

    #[test]
    fn the_size_limit_holds_for_the_bytes_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, "京津冀").unwrap();
        assert_eq!(read_limited(&path, 9).unwrap(), "京津冀".as_bytes());
        assert!(read_limited(&path, 8).unwrap_err().contains("is 9 bytes, over the size limit of 8 bytes"));
    }

    /// Files under /proc are regular files that report a length of 0 whatever they hold: the
    /// limit is enforced on what is read.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_longer_than_its_metadata_says_is_cut_at_the_limit() {
        let path = Path::new("/proc/self/status");
        assert_eq!(fs::metadata(path).unwrap().len(), 0);
        let err = read_limited(path, 8).unwrap_err();
        assert!(err.ends_with("grew while it was read: more than 8 bytes ([input] max_bytes)"), "{err}");
    }

    #[test]
    fn ids_are_relative_and_slash_separated() {
        assert_eq!(id_for(Path::new("./corpus/samples/a.txt")), "corpus/samples/a.txt");
        let abs = std::env::current_dir().unwrap().join("x/y.txt");
        assert_eq!(id_for(&abs), "x/y.txt");
    }
}
