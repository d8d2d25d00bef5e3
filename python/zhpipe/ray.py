"""zhpipe inside Ray Data: a callable class for ``Dataset.map_batches``, one ``Pipeline`` per
actor, a batch of ``{id, text}`` rows in and one of zhpipe's tables out.

>>> mentions = ds.map_batches(zhpipe.ray.Annotate, fn_constructor_kwargs={"table": "mentions"},
...                           batch_format="pyarrow", concurrency=2)   # doctest: +SKIP
"""

from __future__ import annotations

import zhpipe


class Annotate:
    """For ``ds.map_batches(Annotate, batch_format="pyarrow", fn_constructor_kwargs={...})``."""

    def __init__(self, table: str = "mentions", config=None, id_column: str = "id", text_column: str = "text",
                 threads: int = 1, batch_size: int = 64):
        self.pipeline = zhpipe.Pipeline(config)
        self.table, self.threads, self.batch_size = table, threads, batch_size
        self.id_column, self.text_column = id_column, text_column

    def __call__(self, batch):
        # Rows as dicts, as ``Pipeline.pipe`` takes them: a block of rows that have ``bytes`` or
        # ``bytes_base64`` instead of text has no text column at all, and still gives error
        # records or documents rather than a KeyError that fails the whole job.
        rows = batch.to_pylist()
        if (self.id_column, self.text_column) != ("id", "text"):
            rows = [{"id": row.get(self.id_column), "text": row.get(self.text_column)} for row in rows]
        return zhpipe.table_of(self.pipeline, rows, self.table, self.threads, self.batch_size)
