"""Shared fixtures: the repository's samples, the built-in pipeline and the zhpipe binary that
the records of the package are compared with."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import zhpipe

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "corpus" / "samples"


def zhpipe_binary():
    """The CLI to compare with: $ZHPIPE_BIN (what `cargo xtask test` sets), else a build in the
    repository, else `zhpipe` on PATH."""
    if os.environ.get("ZHPIPE_BIN"):
        return os.environ["ZHPIPE_BIN"]
    for profile in ("release", "debug"):
        candidate = REPO / "target" / profile / "zhpipe"
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("zhpipe")
    if found is None:
        pytest.skip("no zhpipe binary: build it (cargo build -p zhpipe) or set ZHPIPE_BIN")
    return found


@pytest.fixture(scope="session")
def cli():
    return zhpipe_binary()


@pytest.fixture(scope="session")
def pipeline():
    return zhpipe.Pipeline()


@pytest.fixture(scope="session")
def samples():
    """(id, bytes) of every sample, ids as `zhpipe run corpus/samples` gives them."""
    return [(p.name, p.read_bytes()) for p in sorted(SAMPLES.iterdir()) if p.is_file()]


def run_cli(cli, *args, stdin=None, cwd=None):
    """Runs the CLI; returns (exit status, stdout, stderr). Exit 3 (some error records) is a
    normal outcome, so the status is returned rather than checked."""
    done = subprocess.run([cli, *args], input=stdin, capture_output=True, cwd=cwd)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


@pytest.fixture(scope="session")
def cli_records(cli, samples):
    """The CLI's record lines for the samples, by id."""
    status, out, err = run_cli(cli, "run", "-q", "--output", "-", str(SAMPLES), cwd=REPO / "python")
    assert status == 0, err
    lines = out.splitlines()
    assert len(lines) == len(samples)
    return {zhpipe.Document.from_json(line).id: line for line in lines}


def readme_snippet(name):
    """The ```python block under `<!-- python: NAME -->` in the repository's README: the tests run
    the snippets users read."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    marker = f"<!-- python: {name} -->"
    assert marker in lines, f"README.md has no snippet {name}"
    start = lines.index(marker) + 1
    assert lines[start] == "```python", f"the snippet {name} is not a python block"
    end = lines.index("```", start + 1)
    return "\n".join(lines[start + 1:end])


@pytest.fixture(scope="session")
def corpus_docs(pipeline, samples):
    """A few hundred `{"id", "text"}` documents made of the samples' paragraphs, for the engines."""
    paragraphs = [line for _, raw in samples for line in pipeline.process(raw).text.splitlines() if line.strip()]
    docs = []
    for i in range(320):
        first = (i * 7) % len(paragraphs)
        docs.append({"id": f"doc-{i:03d}", "text": "\n".join(paragraphs[first:first + 1 + i % 4])})
    # One that fails, so that exit status 3 (some error records) is met on the way.
    docs.append({"id": "doc-bad", "bytes_base64": "not base64!"})
    return docs


@pytest.fixture
def in_samples_dir(tmp_path, monkeypatch):
    """A working directory holding `corpus/` (the repository's), as the README's snippets expect."""
    (tmp_path / "corpus").symlink_to(REPO / "corpus")
    monkeypatch.chdir(tmp_path)
    return tmp_path
