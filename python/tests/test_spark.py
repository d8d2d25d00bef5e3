"""A real Spark job on a local master: the README's recipes, checked against a direct run.

Skipped when pyspark is not installed, unless ZHPIPE_REQUIRE_SPARK is set (CI sets it)."""

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

import zhpipe
from conftest import readme_snippet, run_cli

if os.environ.get("ZHPIPE_REQUIRE_SPARK"):
    import pyspark  # noqa: F401
else:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime (java is not on PATH)", allow_module_level=True)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # The workers' Python must be one with zhpipe installed: this one.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("zhpipe-test")
               .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
               .getOrCreate())
    yield session
    session.stop()


@pytest.fixture(scope="module")
def direct(cli, corpus_docs):
    """The records of `zhpipe run` over the same documents as JSONL on stdin, by id."""
    lines = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in corpus_docs).encode()
    status, out, err = run_cli(cli, "run", "-q", "--output", "-", stdin=lines)
    assert status == 3, err  # doc-bad is an error record
    return {json.loads(line)["id"]: json.loads(line) for line in out.splitlines()}


def without_line_numbers(record):
    if "error" in record:
        record = dict(record, error=re.sub(r"^line \d+: ", "", record["error"]))
    return record


def test_the_rdd_pipe_recipe_gives_the_records_of_a_direct_run(spark, cli, corpus_docs, direct, monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(cli).parent}{os.pathsep}{os.environ['PATH']}")
    scope = {"spark": spark, "docs": corpus_docs}
    exec(readme_snippet("spark-pipe"), scope)
    records = scope["records"].collect()
    assert len(records) == len(corpus_docs)
    # An error names the line of its input stream, and each task's stream starts at line 1.
    assert {r["id"]: without_line_numbers(r) for r in records} == {i: without_line_numbers(r) for i, r in direct.items()}
    assert direct["doc-bad"]["status"] == "error"


def test_the_pipe_recipe_fails_the_job_when_zhpipe_fails(spark, cli, corpus_docs, monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(cli).parent}{os.pathsep}{os.environ['PATH']}")
    code = readme_snippet("spark-pipe").replace("run -q --output -", "run -q --config missing.toml --output -")
    scope = {"spark": spark, "docs": corpus_docs[:10]}
    exec(code, scope)
    # The worker's error (PIPE_FUNCTION_EXITED, exit code 2) reaches the driver as the job's.
    with pytest.raises(Exception, match="PIPE_FUNCTION_EXITED"):
        scope["records"].collect()


def test_the_helper_gives_the_table_rows_of_a_direct_run(spark, corpus_docs, direct, pipeline):
    scope = {"spark": spark, "docs": corpus_docs}
    exec(readme_snippet("spark-helper"), scope)
    rows = [r.asDict() for r in scope["mentions"].collect()]
    # The same rows as the tables of the direct run's records.
    expected = zhpipe.tables([zhpipe.Document.from_json(json.dumps(r, ensure_ascii=False)) for r in direct.values()])
    want = expected["mentions"].to_pylist()
    key = lambda r: (r["doc_id"], r["start"], r["end"], r["entity_id"] or "")  # noqa: E731
    assert sorted(rows, key=key) == sorted(want, key=key)
    assert len(rows) > 300

    # An RDD of dicts gives Rows of the same schema.
    rdd_rows = zhpipe.spark.annotate(spark.sparkContext.parallelize(corpus_docs, 3), "sentences").collect()
    sentences = expected["sentences"].to_pylist()
    assert len(rdd_rows) == len(sentences)
    got = sorted((r.doc_id, r.sentence, r.start, r.text, r.label) for r in rdd_rows)
    assert got == sorted((s["doc_id"], s["sentence"], s["start"], s["text"], s["label"]) for s in sentences)
