#!/usr/bin/env python3
"""Agreement between two labellings of the same sentences, scored as `eval classify` scores a
model: per-label F1 of the second against the first, their macro and micro averages.

Usage: python3 agreement.py FIRST.standoff.jsonl SECOND.standoff.jsonl
Both files must list the same sentences (doc and span) in the same order; the text is not needed.
"""
import json
import sys


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    first, second = read(sys.argv[1]), read(sys.argv[2])
    if len(first) != len(second):
        sys.exit(f"{sys.argv[2]}: {len(second)} sentences, {sys.argv[1]} has {len(first)}")
    for n, (a, b) in enumerate(zip(first, second), 1):
        if (a["doc"], a["span"]) != (b["doc"], b["span"]):
            sys.exit(f"{sys.argv[2]}:{n}: {b['doc']} {b['span']} where the first file has {a['doc']} {a['span']}")
    labels = sorted({l for r in first + second for l in r["labels"]})
    totals = [0, 0, 0]
    f1s = []
    print("| label | first | second | both | F1 |\n| --- | ---: | ---: | ---: | ---: |")
    for label in labels:
        both = sum(label in a["labels"] and label in b["labels"] for a, b in zip(first, second))
        only_first = sum(label in a["labels"] and label not in b["labels"] for a, b in zip(first, second))
        only_second = sum(label not in a["labels"] and label in b["labels"] for a, b in zip(first, second))
        f1 = 2 * both / (2 * both + only_first + only_second)
        f1s.append(f1)
        totals = [totals[0] + both, totals[1] + only_first, totals[2] + only_second]
        print(f"| {label} | {both + only_first} | {both + only_second} | {both} | {f1:.3f} |")
    micro = 2 * totals[0] / (2 * totals[0] + totals[1] + totals[2])
    same = sum(set(a["labels"]) == set(b["labels"]) for a, b in zip(first, second))
    print(f"\nmacro-F1 {sum(f1s) / len(f1s):.3f}, micro-F1 {micro:.3f}, identical label sets {same}/{len(first)}")


if __name__ == "__main__":
    main()
