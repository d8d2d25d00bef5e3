"""The package's API on the repository's samples: offsets, layers, records equal to the CLI's,
streaming, bad inputs and config errors."""

import itertools
import json

import pytest

import zhpipe
from conftest import REPO, SAMPLES, run_cli


def test_sample_001_names_jingjinji_and_xi_and_labels_its_sentences(pipeline, samples):
    name, raw = samples[1]
    assert name.startswith("001_")
    doc = pipeline.process(raw, id=name)
    assert doc.status == "ok" and doc.error is None
    surfaces = {m.text for m in doc.mentions}
    assert {"京津冀", "习近平"} <= surfaces
    assert any(s.labels for s in doc.sentences)
    assert doc.meta["title"] == "2024年京津冀党政主要领导座谈会在津举行"


def test_every_span_slices_the_python_text(pipeline, samples):
    for name, raw in samples:
        doc = pipeline.process(raw, id=name)
        text = doc.text
        assert doc.mentions and doc.sentences and doc.tokens, name
        for m in doc.mentions:
            assert text[m.start:m.end] == m.text, (name, m)
            if m.original_start is not None:
                assert doc.original_text[m.original_start:m.original_end], (name, m)
        for s in doc.sentences:
            assert text[s.start:s.end] == s.text, (name, s)
        for t in doc.tokens:
            assert text[t.start:t.end] == t.text, (name, t)
        # Tokens cover the text between them with nothing but whitespace.
        assert all(a.end <= b.start for a, b in zip(doc.tokens, doc.tokens[1:]))


def test_labels_are_label_score_pairs_best_first(pipeline, samples):
    doc = pipeline.process(samples[0][1])
    labelled = [s for s in doc.sentences if s.labels]
    assert labelled
    for s in labelled:
        assert all(isinstance(label, str) and isinstance(score, float) for label, score in s.labels)
        scores = [score for _, score in s.labels]
        assert scores == sorted(scores, reverse=True)


def test_records_equal_the_cli_records(pipeline, samples, cli_records):
    for name, raw in samples:
        assert pipeline.process(raw, id=name).to_json() == cli_records[name], name
    piped = {d.id: d.to_json() for d in pipeline.pipe(samples, threads=2, batch_size=2)}
    assert piped == cli_records


def test_to_dict_is_the_json_record(pipeline, samples):
    doc = pipeline.process(samples[2][1], id="x")
    assert doc.to_dict() == json.loads(doc.to_json())
    assert doc.to_dict()["schema"] == zhpipe.SCHEMA


def test_pipe_keeps_input_order_for_any_threads_and_batch_size(pipeline):
    texts = [f"第{i}条：北京市和天津市推进京津冀地区交通一体化。" * (1 + i % 5) for i in range(100)]
    one = [d.to_json() for d in pipeline.pipe(texts, threads=1, batch_size=7)]
    two = [d.to_json() for d in pipeline.pipe(texts, threads=2, batch_size=1)]
    default = [d.to_json() for d in pipeline.pipe(texts)]
    assert one == two == default
    assert [json.loads(line)["id"] for line in one] == [str(i) for i in range(100)]


def test_pipe_streams_and_holds_at_most_three_batches(pipeline):
    pulled = 0

    def endless():
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield f"北京第{i}次会议。"

    stream = pipeline.pipe(endless(), threads=2, batch_size=10)
    for consumed, doc in enumerate(itertools.islice(stream, 250), start=1):
        assert doc.status == "ok"
        # What was taken but not yet returned: the batch being read and two in flight.
        assert pulled - consumed < 3 * 10
    assert pulled < 300


def test_bad_items_are_error_documents_and_the_stream_goes_on(pipeline):
    items = ["北京", 42, ("t", b"\xef\xbb\xbf"), {"id": "d"}, {"id": "b", "bytes_base64": "!!"},
             ("pair", "天津"), {"id": "u", "bytes": "河北".encode("gb18030")}, ("a", "b", "c")]
    docs = list(pipeline.pipe(items))
    assert [d.status for d in docs] == ["ok", "error", "error", "error", "error", "ok", "ok", "error"]
    assert [d.id for d in docs] == ["0", "1", "t", "d", "b", "pair", "u", "7"]
    assert "got int" in docs[1].error and docs[1].stage == "input"
    assert "exactly one of" in docs[3].error
    assert "base64" in docs[4].error
    assert "(id, text)" in docs[7].error
    assert docs[6].text == "河北"
    assert docs[1].text == "" and docs[1].mentions == [] and docs[1].to_dict()["status"] == "error"


def test_an_exception_in_the_source_reaches_the_caller(pipeline):
    def broken():
        yield "北京"
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        list(pipeline.pipe(broken(), batch_size=1))


def test_process_refuses_what_is_not_text(pipeline):
    with pytest.raises(TypeError, match="str or bytes"):
        pipeline.process(3)


def test_a_config_file_and_the_same_config_as_a_dict_agree(samples):
    from_file = zhpipe.Pipeline(REPO / "configs" / "minimal.toml")
    import tomllib  # noqa: PLC0415 (3.11+, which the tests run on)

    table = tomllib.loads((REPO / "configs" / "minimal.toml").read_text(encoding="utf-8"))
    # Relative paths in a dict are relative to the working directory: make them absolute.
    for stage in table["stage"]:
        for key, value in stage.items():
            if isinstance(value, str) and (REPO / "configs" / value).exists():
                stage[key] = str(REPO / "configs" / value)
    from_dict = zhpipe.Pipeline(table)
    assert from_file.stages == from_dict.stages
    raw = samples[0][1]
    assert from_file.process(raw).to_json() == from_dict.process(raw).to_json()


def test_config_errors_carry_the_cli_message(cli, tmp_path):
    bad = tmp_path / "pipeline.toml"
    bad.write_text('[[stage]]\nuse = "decode"\n\n[[stage]]\nuse = "segmnt"\n', encoding="utf-8")
    with pytest.raises(zhpipe.ConfigError) as raised:
        zhpipe.Pipeline(bad)
    status, _, err = run_cli(cli, "run", "--config", str(bad), "--output", "-", str(SAMPLES))
    assert status == 2
    assert err.strip() == f"zhpipe: {raised.value}"
    assert "segmnt" in str(raised.value)
    with pytest.raises(zhpipe.ConfigError, match="unknown layer `words`"):
        zhpipe.Pipeline(layers=["words"])
    with pytest.raises(zhpipe.ConfigError, match="cannot read config"):
        zhpipe.Pipeline(tmp_path / "missing.toml")
    with pytest.raises(zhpipe.ConfigError, match="segmnt"):
        zhpipe.Pipeline({"stage": [{"use": "decode"}, {"use": "segmnt"}]})
    with pytest.raises(zhpipe.ConfigError, match="no TOML form"):
        zhpipe.Pipeline({"stage": [{"use": object()}]})


def test_layers_select_what_records_keep(samples):
    pipeline = zhpipe.Pipeline(layers=["text", "sentences", "mentions", "labels"])
    assert pipeline.layers == ["text", "sentences", "mentions", "labels"]
    doc = pipeline.process(samples[1][1])
    assert doc.tokens == [] and "tokens" not in doc.to_dict()
    assert doc.mentions
    assert "tokens" not in zhpipe.tables([doc])


def test_read_records_gives_the_documents_of_a_run(cli, tmp_path, samples, pipeline):
    status, _, err = run_cli(cli, "run", "-q", "--output", str(tmp_path / "out"), str(SAMPLES))
    assert status == 0, err
    lines = (tmp_path / "out" / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    from_dir = [d.to_json() for d in zhpipe.read_records(tmp_path / "out")]
    from_file = [d.to_json() for d in zhpipe.read_records(str(tmp_path / "out" / "documents.jsonl"))]
    assert from_dir == from_file == lines
    docs = list(zhpipe.read_records(tmp_path / "out"))
    assert docs[1].mentions[0].text == docs[1].text[docs[1].mentions[0].start:docs[1].mentions[0].end]


def test_read_records_names_the_file_and_line_of_a_bad_record(tmp_path):
    path = tmp_path / "documents.jsonl"
    path.write_text('{"schema":1,"id":"a","status":"error","stage":"input","error":"x"}\n\nnot json\n',
                    encoding="utf-8")
    reader = zhpipe.read_records(path)
    assert next(reader).id == "a"
    with pytest.raises(ValueError, match=r"documents.jsonl: line 3: not a zhpipe record"):
        next(reader)
    with pytest.raises(OSError, match="cannot open"):
        zhpipe.read_records(tmp_path / "nowhere.jsonl")


def test_tables_equal_the_parquet_output(cli, tmp_path, samples, pipeline):
    import pyarrow.parquet as pq

    status, _, err = run_cli(cli, "run", "-q", "--format", "parquet", "--output", str(tmp_path / "t"), str(SAMPLES))
    assert status == 0, err
    docs = list(pipeline.pipe(samples))
    from_docs = zhpipe.tables(docs)
    assert sorted(from_docs) == ["documents", "mentions", "sentences", "tokens"]
    status, _, err = run_cli(cli, "run", "-q", "--output", str(tmp_path / "j"), str(SAMPLES))
    from_records = zhpipe.tables(tmp_path / "j" / "documents.jsonl")
    for name, table in from_docs.items():
        written = pq.read_table(tmp_path / "t" / f"{name}.parquet")
        assert table.num_rows > 0, name
        assert table.schema.equals(written.schema, check_metadata=False), name
        assert table.equals(written), name
        assert table.equals(from_records[name]), name
        assert table.schema.metadata[b"zhpipe.schema"] == str(zhpipe.SCHEMA).encode()
    mentions = from_docs["mentions"].to_pandas()
    texts = dict(zip(from_docs["documents"]["id"].to_pylist(), from_docs["documents"]["text"].to_pylist()))
    for row in mentions.itertuples():
        assert texts[row.doc_id][row.start:row.end] == row.surface


def test_tables_of_nothing_have_the_schemas(pipeline):
    empty = zhpipe.tables([])
    assert sorted(empty) == ["documents", "mentions", "sentences"]
    assert empty["mentions"].num_rows == 0 and "surface" in empty["mentions"].column_names
    assert "tokens" in zhpipe.tables([], tokens=True)
    with pytest.raises(TypeError, match="takes Documents"):
        zhpipe.tables([1, 2])


def test_write_records_writes_the_cli_lines_whole_or_not_at_all(tmp_path, samples, pipeline, cli_records):
    path = tmp_path / "documents.jsonl"
    assert zhpipe.write_records(path, pipeline.pipe(samples)) == len(samples)
    assert path.read_text(encoding="utf-8").splitlines() == [cli_records[name] for name, _ in samples]
    gz = tmp_path / "documents.jsonl.gz"
    assert zhpipe.write_records(gz, zhpipe.read_records(path)) == len(samples)
    assert [d.to_json() for d in zhpipe.read_records(gz)] == [cli_records[name] for name, _ in samples]
    with pytest.raises(TypeError, match="takes Documents"):
        zhpipe.write_records(tmp_path / "bad.jsonl", [pipeline.process("北京"), "not a document"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents.jsonl", "documents.jsonl.gz"]
