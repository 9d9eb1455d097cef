"""The fortunes corpus as genpipe's character models see it.

Debian's `fortunes` package: one file per category under /usr/share/games/fortunes, entries separated
by lines holding a single '%'. The vocabulary is fixed (97 symbols) and mirrored in Java by
io.genpipe.autoregressive.CharVocabulary:
  0      end of text (separates fortunes; also the start symbol)
  1      '\n'
  2..96  printable ASCII ' ' .. '~'
Tabs become four spaces; entries holding any other character are dropped, never silently altered.
Every 20th kept entry of a category (in file order) is validation, the rest training.
"""
import os

FORTUNE_DIR = "/usr/share/games/fortunes"
EXCLUDED = {"ascii-art", "translate-me"}  # pictures drawn in characters, and a placeholder file
EOT = 0
VOCAB = ["<eot>", "\n"] + [chr(c) for c in range(32, 127)]
INDEX = {ch: i for i, ch in enumerate(VOCAB) if i > 0}


def categories(directory=FORTUNE_DIR):
    return sorted(f for f in os.listdir(directory)
                  if "." not in f and f not in EXCLUDED and os.path.isfile(os.path.join(directory, f)))


def entries(category, directory=FORTUNE_DIR):
    with open(os.path.join(directory, category), encoding="utf-8", errors="replace") as f:
        raw = f.read()
    out, cur = [], []
    for line in raw.split("\n"):
        if line == "%":
            out.append("\n".join(cur).strip("\n"))
            cur = []
        else:
            cur.append(line)
    out.append("\n".join(cur).strip("\n"))
    kept = []
    for e in out:
        e = e.replace("\t", "    ")
        if e and all(ch in INDEX for ch in e):
            kept.append(e)
    return kept


def split(directory=FORTUNE_DIR):
    """(train, validation) lists of (category, text)."""
    train, val = [], []
    for c in categories(directory):
        for i, e in enumerate(entries(c, directory)):
            (val if i % 20 == 0 else train).append((c, e))
    return train, val


def encode(text):
    return [INDEX[ch] for ch in text]


def stream(texts):
    """EOT t1 EOT t2 EOT ... EOT as one list of ids."""
    ids = [EOT]
    for t in texts:
        ids.extend(encode(t))
        ids.append(EOT)
    return ids


if __name__ == "__main__":
    tr, va = split()
    print(len(tr), "train entries", sum(len(t) for _, t in tr), "chars;", len(va), "validation", sum(len(t) for _, t in va), "chars")
