#!/usr/bin/env python3
"""Writes the fortune sets pipelines/text-novelty.yaml reads, into data/fortunes/.

  /usr/bin/python3 make_novelty_sets.py

From Debian's fortunes package (BSD licence, data/fortunes/COPYRIGHT), prepared as the GPT's
training corpus was (plugins/autoregressive/train/fortunes.py: tabs to spaces, entries with
characters outside the vocabulary dropped):
  computers-reference.jsonl  'computers' entries whose index is not a multiple of 4 (label 0): what is normal
  computers-query.jsonl      'computers' entries whose index is a multiple of 4 (label 0): unseen normal texts
  love-query.jsonl           every 'love' entry (label 1): the novelty
The GPT itself was trained on all categories (95% of each); the novelty detectors see only the
reference set.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "plugins", "autoregressive", "train"))
import fortunes  # noqa: E402

OUT = os.path.join(ROOT, "data", "fortunes")


def write(name, rows):
    with open(os.path.join(OUT, name), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print(name, len(rows))


def main():
    os.makedirs(OUT, exist_ok=True)
    comp = fortunes.entries("computers")
    love = fortunes.entries("love")
    write("computers-reference.jsonl", [{"id": "computers-%04d" % i, "label": 0, "text": t}
                                        for i, t in enumerate(comp) if i % 4 != 0])
    write("computers-query.jsonl", [{"id": "computers-%04d" % i, "label": 0, "text": t}
                                    for i, t in enumerate(comp) if i % 4 == 0])
    write("love-query.jsonl", [{"id": "love-%04d" % i, "label": 1, "text": t} for i, t in enumerate(love)])


if __name__ == "__main__":
    main()
