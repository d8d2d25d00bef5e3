"""Type stubs of the Rust extension module; ``zhpipe`` re-exports every name."""

from os import PathLike
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence, Tuple, Union

import pyarrow

__version__: str
#: The record format version written in every record and table.
SCHEMA: int

class ConfigError(ValueError):
    """A config that cannot be read or built into a chain; the message is the CLI's."""

_Input = Union[str, bytes, Tuple[Any, Union[str, bytes]], Mapping[str, Any]]
_Path = Union[str, "PathLike[str]"]

class Pipeline:
    """A chain of stages built from a config: the built-in default, a TOML file or a dict."""

    def __init__(
        self, config: Union[None, _Path, Mapping[str, Any]] = None, *, layers: Optional[Sequence[str]] = None
    ) -> None: ...
    @property
    def stages(self) -> list[str]:
        """The stages of the chain, in order."""
    @property
    def layers(self) -> list[str]:
        """The layers records keep (text, sentences, tokens, mentions, labels)."""
    def process(self, text: Union[str, bytes], id: Optional[str] = None) -> Document:
        """Processes one document; a failure is a Document with ``status == "error"``."""
    def pipe(self, documents: Iterable[_Input], threads: Optional[int] = None, batch_size: int = 64) -> Stream:
        """Processes an iterable on Rust threads, yielding Documents in input order."""

class Stream(Iterator[Document]):
    """What ``Pipeline.pipe`` returns."""

    def __iter__(self) -> Stream: ...
    def __next__(self) -> Document: ...

class Sentence:
    """A sentence: ``text == document.text[start:end]``."""

    index: int
    start: int
    end: int
    text: str
    #: ``(label, score)`` pairs, best first.
    labels: list[Tuple[str, float]]

class Token:
    """A word and its part-of-speech tag (jieba's tag set)."""

    start: int
    end: int
    text: str
    pos: Optional[str]

class Mention:
    """A name found in the text, with its dictionary entry."""

    start: int
    end: int
    text: str
    #: The entry's canonical id; ``None`` for a name no dictionary lists.
    id: Optional[str]
    kind: str
    name: str
    dictionary: str
    #: ``place``, ``organisation``, ``person``, ``policy`` or ``other``.
    category: str
    original_start: Optional[int]
    original_end: Optional[int]

class Document:
    """One document's result: processed (``status == "ok"``) or an error record."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str:
        """``"ok"`` or ``"error"``."""
    @property
    def stage(self) -> Optional[str]:
        """The stage that failed, else ``None``."""
    @property
    def error(self) -> Optional[str]:
        """Why it failed, else ``None``."""
    @property
    def text(self) -> str:
        """The clean Simplified text every span points into."""
    @property
    def original_text(self) -> Optional[str]:
        """The text before conversion changed it, when it did."""
    @property
    def meta(self) -> dict[str, Any]:
        """Title, published, source, url, author and other metadata."""
    @property
    def encoding(self) -> Optional[dict[str, Any]]:
        """How the input bytes were decoded."""
    @property
    def sentences(self) -> list[Sentence]: ...
    @property
    def tokens(self) -> list[Token]: ...
    @property
    def mentions(self) -> list[Mention]: ...
    @property
    def notes(self) -> list[dict[str, Any]]: ...
    def to_json(self) -> str:
        """The record as ``zhpipe run`` writes it: one JSON line, without the newline."""
    def to_dict(self) -> dict[str, Any]:
        """The record as ``zhpipe run`` writes it, as a dict (byte spans, as in the JSONL)."""
    @staticmethod
    def from_json(line: str) -> Document:
        """A Document from one line of a run's ``documents.jsonl``."""

class RecordReader(Iterator[Document]):
    """What ``read_records`` returns."""

    def __iter__(self) -> RecordReader: ...
    def __next__(self) -> Document: ...

def read_records(path: _Path) -> RecordReader:
    """The records of a ``documents.jsonl`` (``.gz``, or a run's output directory), lazily."""

def write_records(path: _Path, documents: Iterable[Document]) -> int:
    """Writes Documents as a records file (``.gz`` compressed), whole or not at all; returns how many."""

def tables(
    documents: Union[Iterable[Document], _Path, Sequence[_Path]], tokens: Optional[bool] = None
) -> dict[str, pyarrow.Table]:
    """``documents``, ``sentences``, ``mentions`` and (with tokens) ``tokens`` as pyarrow Tables."""
