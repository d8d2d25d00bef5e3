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
    target = arrow_schema(table)

    def partition_tables(ids_and_texts):
        pipeline = zhpipe.Pipeline(config)
        for ids, texts in ids_and_texts:
            yield zhpipe.table_of(pipeline, ids, texts, table, threads, batch_size).cast(target)

    if hasattr(data, "mapInArrow"):
        def batches(record_batches):
            pairs = ((b.column(id_column).to_pylist(), b.column(text_column).to_pylist()) for b in record_batches)
            for result in partition_tables(pairs):
                yield from result.to_batches()

        return data.select(id_column, text_column).mapInArrow(batches, schema(table))

    def rows(dicts):
        from pyspark.sql import Row

        def chunks():
            chunk = []
            for d in dicts:
                chunk.append(d)
                if len(chunk) == batch_size:
                    yield [c[id_column] for c in chunk], [c[text_column] for c in chunk]
                    chunk = []
            if chunk:
                yield [c[id_column] for c in chunk], [c[text_column] for c in chunk]

        for result in partition_tables(chunks()):
            for row in result.to_pylist():
                yield Row(**row)

    return data.mapPartitions(rows)
