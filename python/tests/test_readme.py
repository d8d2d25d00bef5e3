"""The README's Python snippets, run as written."""

import pandas

from conftest import readme_snippet


def test_the_quickstart_snippet_runs(in_samples_dir, capsys):
    exec(readme_snippet("quickstart"), {})
    out = capsys.readouterr().out
    assert "2024年京津冀党政主要领导座谈会在津举行" in out
    assert "习近平 person person:xi-jinping" in out


def test_the_batch_snippet_writes_records_and_groups_mentions_in_one_line(in_samples_dir, cli_records):
    scope = {}
    exec(readme_snippet("batch"), scope)
    lines = (in_samples_dir / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines == [cli_records[name] for name in sorted(cli_records)]
    counts = scope["counts"]
    assert isinstance(counts, pandas.Series)
    assert counts.loc[("001_2e05ff05c1a982e2.txt", "person")] >= 1
    assert counts.sum() == sum(len(scope["zhpipe"].Document.from_json(line).mentions) for line in lines)
