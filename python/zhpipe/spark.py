"""zhpipe inside Spark's executors: one ``Pipeline`` per partition, rows of zhpipe's tables out.

>>> mentions = zhpipe.spark.annotate(df, "mentions")          # doctest: +SKIP
>>> mentions.groupBy("doc_id", "kind").count().show()          # doctest: +SKIP

``df`` is a DataFrame with ``id`` and ``text`` columns (other names through ``id_column`` and
``text_column``); an RDD of ``{"id", "text"}`` dicts works too and gives an RDD of ``Row``.
Executors need the ``zhpipe`` package installed (or shipped with ``--py-files``/a venv archive);
the built-in pipeline travels inside it, and a ``config`` dict is sent with the task. A config
that names files needs those files at the same path on every executor.
"""

from __future__ import annotations

import zhpipe


def arrow_schema(table: str):
    """The Arrow schema of ``table`` as Spark reads it: unsigned integers as int64."""
    import pyarrow as pa

    schema = zhpipe.tables([], tokens=table == "tokens")[table].schema

    def signed(t):
        if pa.types.is_unsigned_integer(t):
            return pa.int64()
        if pa.types.is_list(t):
            return pa.list_(signed(t.value_type))
        return t

    return pa.schema([pa.field(f.name, signed(f.type), f.nullable) for f in schema], metadata=schema.metadata)


def schema(table: str):
    """The Spark ``StructType`` of ``table``'s rows."""
    import pyarrow as pa
    from pyspark.sql import types as T

    def spark_type(t):
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return T.StringType()
        if pa.types.is_integer(t):
            return T.LongType()
        if pa.types.is_float32(t):
            return T.FloatType()
        if pa.types.is_floating(t):
            return T.DoubleType()
        if pa.types.is_list(t):
            return T.ArrayType(spark_type(t.value_type), True)
        raise TypeError(f"no Spark type for {t}")

    return T.StructType([T.StructField(f.name, spark_type(f.type), f.nullable) for f in arrow_schema(table)])


def annotate(data, table: str = "mentions", *, config=None, id_column: str = "id", text_column: str = "text",
             threads: int = 1, batch_size: int = 64):
    """The rows of one of zhpipe's tables for the documents of ``data``.

    ``data`` is a DataFrame (the result is a DataFrame, through ``mapInArrow``) or an RDD of
    dicts (the result is an RDD of ``Row``). ``threads`` is per task: Spark already runs one
    task per core, so one thread each is usually right.
    """
    if table not in zhpipe.TABLES:
        raise ValueError(f"unknown table {table!r}: the tables are {', '.join(zhpipe.TABLES)}")
    target = arrow_schema(table)

    def partition_tables(chunks):
        pipeline = zhpipe.Pipeline(config)
        for chunk in chunks:
            yield zhpipe.table_of(pipeline, chunk, table, threads, batch_size).cast(target)

    def inputs(rows):
        """Rows as the dicts `Pipeline.pipe` takes: `id` and the one content field present."""
        out = []
        for row in rows:
            item = {"id": row.get(id_column)}
            for key, field in ((text_column, "text"), ("bytes_base64", "bytes_base64"), ("bytes", "bytes")):
                if row.get(key) is not None:
                    item[field] = row[key]
            out.append(item)
        return out

    if hasattr(data, "mapInArrow"):
        columns = [id_column] + [c for c in (text_column, "bytes_base64") if c in data.columns]

        def batches(record_batches):
            chunks = (inputs(b.to_pylist()) for b in record_batches)
            for result in partition_tables(chunks):
                yield from result.to_batches()

        return data.select(*columns).mapInArrow(batches, schema(table))

    def rows(dicts):
        from pyspark.sql import Row

        def chunks():
            chunk = []
            for d in dicts:
                chunk.append(d.asDict() if hasattr(d, "asDict") else d)
                if len(chunk) == batch_size:
                    yield inputs(chunk)
                    chunk = []
            if chunk:
                yield inputs(chunk)

        for result in partition_tables(chunks()):
            for row in result.to_pylist():
                yield Row(**row)

    return data.mapPartitions(rows)
