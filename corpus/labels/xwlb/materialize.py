#!/usr/bin/env python3
"""Rebuilds a labelled JSONL set from stand-off labels and a local copy of the transcripts.

The labels here point into the CCTV 新闻联播 transcripts (yuekcc/cctv_news, 2022-2024) by file
name and byte span; the text itself is CCTV's and is not in this repository. Given the folder of
transcripts (`xwlb_2022_2024/*.md`), this prints `{"doc", "text", "labels"}` lines, the format
`cargo xtask eval classify --test FILE` reads:

    python3 corpus/labels/xwlb/materialize.py TRANSCRIPTS_DIR corpus/labels/xwlb/test.standoff.jsonl > /tmp/xwlb-test.jsonl
    cargo xtask eval classify --test /tmp/xwlb-test.jsonl
"""
import json
import sys
from pathlib import Path


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    transcripts, standoff = Path(sys.argv[1]), Path(sys.argv[2])
    cache: dict[str, bytes] = {}
    for number, line in enumerate(standoff.read_text(encoding="utf-8").splitlines(), 1):
        record = json.loads(line)
        doc = record["doc"]
        if doc not in cache:
            path = transcripts / doc
            if not path.is_file():
                print(f"{standoff}:{number}: {path} is missing", file=sys.stderr)
                return 1
            cache[doc] = path.read_bytes()
        start, end = record["span"]
        try:
            text = cache[doc][start:end].decode("utf-8")
        except UnicodeDecodeError:
            print(f"{standoff}:{number}: span {start}..{end} of {doc} is not UTF-8 text: a different copy?", file=sys.stderr)
            return 1
        print(json.dumps({"doc": doc, "text": text, "labels": record["labels"]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
