"""The README's Ray Data snippet on a local Ray, checked against the package's own tables.

Skipped when ray is not installed; `cargo xtask test` installs it (python/requirements-test.txt)."""

import pytest

import zhpipe
from conftest import readme_snippet

ray = pytest.importorskip("ray")


def test_the_ray_snippet_gives_the_mentions_of_the_package(corpus_docs, pipeline):
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True)
    try:
        scope = {"docs": corpus_docs}
        exec(readme_snippet("ray"), scope)
        got = scope["mentions"].to_pandas()
    finally:
        ray.shutdown()
    want = zhpipe.tables(list(pipeline.pipe(corpus_docs)))["mentions"].to_pandas()
    key = ["doc_id", "start", "end", "surface"]
    assert got[key].sort_values(key).values.tolist() == want[key].sort_values(key).values.tolist()
    assert scope["per_kind"].sum() == len(want)
