"""Chinese news and policy documents into clean, structured data.

``Pipeline`` runs zhpipe's chain (decode, clean, convert, segment, gazetteer, classify) on
texts or bytes and returns ``Document`` objects whose offsets are Python string indices.
``tables`` and ``read_records`` give the same tables as ``zhpipe run --format parquet``, as
``pyarrow.Table`` objects. ``zhpipe.spark`` and ``zhpipe.ray`` run the package inside Spark's
executors and Ray Data's workers.

>>> import zhpipe
>>> doc = zhpipe.Pipeline().process("北京、天津和河北同属京津冀地区。")
>>> [(m.text, m.id) for m in doc.mentions][:2]
[('北京', 'place:110000'), ('天津', 'place:120000')]
"""

from ._zhpipe import (
    SCHEMA,
    ConfigError,
    Document,
    Mention,
    Pipeline,
    RecordReader,
    Sentence,
    Stream,
    Token,
    __version__,
    read_records,
    tables,
    write_records,
)

#: The tables ``tables`` returns and ``zhpipe run --format parquet`` writes.
TABLES = ("documents", "sentences", "mentions", "tokens")


def table_of(pipeline, documents, table, threads=1, batch_size=64):
    """One table (``"mentions"``, …) of ``documents`` (anything ``Pipeline.pipe`` takes) as a
    ``pyarrow.Table``. What the Spark and Ray helpers run on each batch of rows.
    """
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}: the tables are {', '.join(TABLES)}")
    documents = list(pipeline.pipe(documents, threads=threads, batch_size=batch_size))
    return tables(documents, tokens=table == "tokens")[table]


__all__ = [
    "SCHEMA",
    "TABLES",
    "ConfigError",
    "Document",
    "Mention",
    "Pipeline",
    "RecordReader",
    "Sentence",
    "Stream",
    "Token",
    "__version__",
    "read_records",
    "table_of",
    "tables",
    "write_records",
]
