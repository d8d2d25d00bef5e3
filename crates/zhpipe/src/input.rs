//! Where documents come from: files and directories walked lazily in sorted order, or JSONL
//! records on stdin. Nothing is read before it is needed, so memory does not grow with the
//! size of the corpus.

use std::collections::HashSet;
use std::fs;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;
use zhpipe_core::Document;

/// One input document, not yet read: reading happens on a worker thread.
pub(crate) enum Pending {
    /// A file to read, if it is within the size limit; `len` is its length when it was listed.
    File { id: String, path: PathBuf, len: u64 },
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

    /// Gives the document another id (a duplicate's).
    pub(crate) fn set_id(&mut self, new: String) {
        match self {
            Pending::File { id, .. } | Pending::Record { id, .. } | Pending::Failed { id, .. } => *id = new,
        }
    }

    /// About how many bytes the document holds once read, to bound what is in flight.
    pub(crate) fn size(&self) -> u64 {
        match self {
            Pending::File { len, .. } => *len,
            Pending::Record { line, .. } => line.len() as u64,
            Pending::Failed { .. } => 0,
        }
    }

    /// Reads the document. Files over `max_bytes` are refused from their metadata, unread.
    pub(crate) fn load(self, max_bytes: u64) -> Result<Document, (String, String)> {
        match self {
            Pending::Record { id, line_number, line } => parse_record(id, line_number, &line),
            Pending::Failed { id, error } => Err((id, error)),
            Pending::File { id, path, .. } => match read_limited(&path, max_bytes) {
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

/// The id of a file: its path relative to the input root it was found under, with `/`
/// separators; a file given as a root itself is its file name. So the same corpus gets the same
/// ids from any working directory and under any mount point.
///
/// Ids are lossless: a byte of a file name that is not UTF-8 is written `%XX` (its hex value),
/// and a `%` itself `%25`, so two files never share an id because of their names' encoding.
fn id_for(root: &Path, path: &Path) -> String {
    let relative = match path.strip_prefix(root) {
        Ok(rest) if rest.as_os_str().is_empty() => Path::new(path.file_name().unwrap_or(path.as_os_str())),
        Ok(rest) => rest,
        Err(_) => path,
    };
    let mut id = String::new();
    for component in relative.components() {
        let name = match component {
            std::path::Component::Normal(name) => name,
            std::path::Component::ParentDir => std::ffi::OsStr::new(".."),
            _ => continue,
        };
        if !id.is_empty() {
            id.push('/');
        }
        push_lossless(&mut id, name);
    }
    id
}

/// Appends a file name to an id, escaping what is not UTF-8 (and `%`) as `%XX`.
fn push_lossless(id: &mut String, name: &std::ffi::OsStr) {
    use std::fmt::Write as _;
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(name);
    // Elsewhere file names are Unicode already (Windows' unpaired surrogates aside).
    #[cfg(not(unix))]
    let lossy = name.to_string_lossy();
    #[cfg(not(unix))]
    let bytes = lossy.as_bytes();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '%' {
                id.push_str("%25");
            } else {
                id.push(c);
            }
        }
        for byte in chunk.invalid() {
            write!(id, "%{byte:02X}").expect("writing to a String");
        }
    }
}

/// Whether a file is read as JSONL records rather than as one document: by its name.
pub(crate) fn is_records_file(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    name.ends_with(".jsonl") || name.ends_with(".jsonl.gz")
}

/// Opens a records file, through gzip when its name ends in `.gz`.
fn open_records(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let file = fs::File::open(path)?;
    let gz = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    Ok(if gz {
        Box::new(io::BufReader::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(file))))
    } else {
        Box::new(io::BufReader::new(file))
    })
}

/// Walks files and directories depth-first in sorted order, reading each directory only when
/// the walk reaches it. With `records` on, a `.jsonl` or `.jsonl.gz` file is read as JSONL
/// records, one document each, rather than as one document.
pub(crate) struct Walk {
    /// Paths still to visit with the root each was found under, last first.
    stack: Vec<(PathBuf, usize)>,
    /// The roots as given.
    roots: Vec<PathBuf>,
    /// Canonical directories already walked, so a symbolic-link loop ends.
    seen_dirs: HashSet<PathBuf>,
    /// Read `.jsonl` files as records.
    records: bool,
    /// The records file being read.
    lines: Option<JsonLines<Box<dyn BufRead + Send>>>,
}

impl Walk {
    /// A walk over the given roots, in the order given.
    pub(crate) fn new(roots: Vec<PathBuf>, records: bool) -> Self {
        let stack = roots.iter().cloned().enumerate().rev().map(|(i, path)| (path, i)).collect();
        Self { stack, roots, seen_dirs: HashSet::new(), records, lines: None }
    }
}

impl Iterator for Walk {
    type Item = Pending;

    fn next(&mut self) -> Option<Pending> {
        loop {
            if let Some(lines) = &mut self.lines {
                match lines.next() {
                    Some(pending) => return Some(pending),
                    None => self.lines = None,
                }
            }
            let (path, root) = self.stack.pop()?;
            let id = id_for(&self.roots[root], &path);
            // `metadata` follows links; a dangling link fails here and becomes an error record
            // when it is loaded.
            let meta = fs::metadata(&path).ok();
            if !meta.as_ref().is_some_and(fs::Metadata::is_dir) {
                if self.records && meta.as_ref().is_some_and(fs::Metadata::is_file) && is_records_file(&path) {
                    match open_records(&path) {
                        Ok(reader) => self.lines = Some(JsonLines::new(reader, id)),
                        Err(e) => {
                            return Some(Pending::Failed { id, error: format!("cannot read {}: {e}", path.display()) });
                        }
                    }
                    continue;
                }
                return Some(Pending::File { id, path, len: meta.map_or(0, |m| m.len()) });
            }
            let canonical = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if !self.seen_dirs.insert(canonical) {
                continue;
            }
            match fs::read_dir(&path) {
                Ok(entries) => {
                    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                    children.sort();
                    self.stack.extend(children.into_iter().rev().map(|child| (child, root)));
                }
                Err(e) => {
                    return Some(Pending::Failed {
                        id,
                        error: format!("cannot list directory {}: {e}", path.display()),
                    });
                }
            }
        }
    }
}

/// What a walk over `roots` will read, counted before the run from the file system alone: the
/// files that are one document each and the bytes of every file (records files included, whose
/// documents are not counted: that would mean reading them twice). For the progress line.
pub(crate) fn totals(roots: &[PathBuf], records: bool) -> (u64, u64) {
    // The walk itself, with records files taken as files: it opens nothing.
    Walk::new(roots.to_vec(), false).fold((0, 0), |(documents, bytes), pending| match pending {
        Pending::File { path, len, .. } => {
            let one = u64::from(!(records && is_records_file(&path)));
            (documents + one, bytes + len)
        }
        _ => (documents, bytes),
    })
}

/// Gives every input a distinct id. The first input with an id keeps it; a later one gets
/// `~2`, `~3`, … (the first of those not yet seen), in input order, so a rerun or a resumed run
/// over the same input gives every input the same id again, and no record replaces another.
///
/// The ids seen are kept as 64-bit hashes (FNV-1a), 8 bytes each rather than the whole id: two
/// different ids could collide, at odds of about one in 10^7 for a million ids, and the later
/// one would then be renamed, never dropped.
#[derive(Default)]
pub(crate) struct UniqueIds {
    seen: HashSet<u64>,
}

impl UniqueIds {
    /// Renames `pending` if its id was seen before; returns the id it had.
    pub(crate) fn assign(&mut self, pending: &mut Pending) -> Option<String> {
        let hash = |id: &str| crate::shard::fnv1a64(id.as_bytes());
        if self.seen.insert(hash(pending.id())) {
            return None;
        }
        let original = pending.id().to_owned();
        let renamed = (2u64..)
            .map(|n| format!("{original}~{n}"))
            .find(|candidate| self.seen.insert(hash(candidate)))
            .expect("an unused suffix");
        pending.set_id(renamed);
        Some(original)
    }
}

/// A JSONL input record: `{"id", "text"}` or `{"id", "bytes_base64"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    /// Read by the first scan ([`JsonLines`]); named here so that the record's shape is whole.
    #[allow(dead_code)]
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

/// Parses a whole JSONL record whose id is known; the document gets `id`, which is the record's
/// own unless it repeats an earlier one's.
fn parse_record(id: String, line_number: usize, line: &str) -> Result<Document, (String, String)> {
    let record: Record = match serde_json::from_str(line) {
        Ok(record) => record,
        Err(e) => return Err((id, format!("line {line_number} is not a valid record: {e}"))),
    };
    match (record.text, record.bytes_base64) {
        (Some(text), None) => Ok(Document::from_text(id, text)),
        (None, Some(encoded)) => match base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
            Ok(bytes) => Ok(Document::from_bytes(id, bytes)),
            Err(e) => Err((id, format!("line {line_number}: `bytes_base64` is not valid base64: {e}"))),
        },
        _ => Err((id, format!("line {line_number}: a record needs exactly one of `text` and `bytes_base64`"))),
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
                    // A byte-order mark, as some editors write at the start of a file.
                    Ok(text) if self.line_number == 1 && text.starts_with('\u{feff}') => {
                        let text = text['\u{feff}'.len_utf8()..].to_owned();
                        if text.trim().is_empty() {
                            continue;
                        }
                        return Some(self.parse(text));
                    }
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
        let pending: Vec<Pending> = Walk::new(vec![dir.path().to_owned()], true).collect();
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
    fn ids_are_relative_to_their_root_and_slash_separated() {
        assert_eq!(id_for(Path::new("./corpus"), Path::new("./corpus/samples/a.txt")), "samples/a.txt");
        assert_eq!(id_for(Path::new("/data/corpus"), Path::new("/data/corpus/2023/a.txt")), "2023/a.txt");
        // A file given as a root is its name, wherever it is.
        assert_eq!(id_for(Path::new("/data/x.txt"), Path::new("/data/x.txt")), "x.txt");
        assert_eq!(id_for(Path::new("corpus/x.txt"), Path::new("corpus/x.txt")), "x.txt");
    }

    #[cfg(unix)]
    #[test]
    fn undecodable_file_names_make_distinct_lossless_ids() {
        use std::os::unix::ffi::OsStrExt;
        let root = Path::new("in");
        let a = root.join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt"));
        let b = root.join(std::ffi::OsStr::from_bytes(b"caf\xe8.txt"));
        assert_eq!(id_for(root, &a), "caf%E9.txt");
        assert_eq!(id_for(root, &b), "caf%E8.txt");
        // A literal `%` is escaped too, so no name can pass for an escaped one.
        assert_eq!(id_for(root, &root.join("caf%E9.txt")), "caf%25E9.txt");
    }

    #[test]
    fn totals_count_documents_and_bytes_before_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("a.txt"), "京津冀").unwrap();
        fs::write(dir.path().join("sub/b.txt"), "雄安").unwrap();
        let record = "{\"id\": \"x\", \"text\": \"津\"}\n";
        fs::write(dir.path().join("c.jsonl"), record).unwrap();
        let roots = vec![dir.path().to_owned()];
        let bytes = ("京津冀".len() + "雄安".len() + record.len()) as u64;
        // A records file's bytes count, its documents do not: they are only known by reading it.
        assert_eq!(totals(&roots, true), (2, bytes));
        assert_eq!(totals(&roots, false), (3, bytes));
    }

    #[test]
    fn repeated_ids_get_suffixes_in_input_order() {
        let input =
            "{\"id\": \"a\", \"text\": \"1\"}\n{\"id\": \"a\", \"text\": \"2\"}\n{\"id\": \"a~2\", \"text\": \"3\"}\n";
        let mut ids = UniqueIds::default();
        let renamed: Vec<(String, Option<String>)> = JsonLines::new(input.as_bytes(), "stdin")
            .map(|mut p| {
                let original = ids.assign(&mut p);
                (p.id().to_owned(), original)
            })
            .collect();
        assert_eq!(
            renamed,
            [("a".into(), None), ("a~2".into(), Some("a".into())), ("a~2~2".into(), Some("a~2".into()))]
        );
    }

    #[test]
    fn a_byte_order_mark_before_the_first_record_is_accepted() {
        let input = "\u{feff}{\"id\": \"a\", \"text\": \"京\"}\n\u{feff}{\"id\": \"b\", \"text\": \"津\"}\n";
        let items: Vec<Pending> = JsonLines::new(input.as_bytes(), "stdin").collect();
        assert!(matches!(&items[0], Pending::Record { id, .. } if id == "a"));
        // Only at the start of the stream: elsewhere it is not a record.
        assert!(matches!(&items[1], Pending::Failed { .. }));
    }

    #[test]
    fn jsonl_files_in_a_walk_are_records_unless_told_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("a.jsonl"),
            "{\"id\": \"r1\", \"text\": \"京\"}\n{\"id\": \"r2\", \"text\": \"津\"}\n",
        )
        .unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, "{\"id\": \"r3\", \"text\": \"冀\"}\n".as_bytes()).unwrap();
        fs::write(dir.path().join("b.jsonl.gz"), gz.finish().unwrap()).unwrap();
        fs::write(dir.path().join("c.txt"), "北京").unwrap();
        let ids: Vec<String> = Walk::new(vec![dir.path().to_owned()], true).map(|p| p.id().to_owned()).collect();
        assert_eq!(ids, ["r1", "r2", "r3", "c.txt"]);
        let ids: Vec<String> = Walk::new(vec![dir.path().to_owned()], false).map(|p| p.id().to_owned()).collect();
        assert_eq!(ids, ["a.jsonl", "b.jsonl.gz", "c.txt"]);
    }
}
