"""Renders the speech corpus (see speech.py) and the bundled sample set.

  /usr/bin/python3 render_speech.py            # needs espeak-ng and fortunes (Debian)

Writes
  train/data/{train,validation,test}.npz   mu-law classes of every clip (not committed: training split)
  ../../../data/speech/clips/*.wav          200 held-out clips (test split, first 1.25 s), 16-bit PCM, 8 kHz
  ../../../data/speech/ood/*.wav            40 non-speech clips (noise, tones, chirps, clicks), 16-bit PCM
Deterministic: rerunning gives the same bytes.
"""
import json
import os
import tempfile

import numpy as np

import speech

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
BUNDLE = os.path.join(HERE, "..", "..", "..", "data", "speech")


def main():
    os.makedirs(DATA, exist_ok=True)
    texts = speech.texts()
    clips = {"train": [], "validation": [], "test": []}
    with tempfile.TemporaryDirectory() as work:
        for i, t in enumerate(texts):
            voice, speed = speech.voice_of(t)
            q = speech.render(t, voice, speed, work)
            if q is None:
                continue
            clips[speech.split_of(t)].append((t, voice, speed, q))
            if i % 500 == 0:
                print(i, len(texts), flush=True)
    for name, items in clips.items():
        lengths = np.array([len(c[3]) for c in items], dtype=np.int64)
        np.savez_compressed(os.path.join(DATA, name + ".npz"), classes=np.concatenate([c[3] for c in items]).astype(np.uint8),
                            lengths=lengths)
        with open(os.path.join(DATA, name + ".json"), "w") as f:
            json.dump([{"text": c[0], "voice": c[1], "speed": c[2], "samples": len(c[3])} for c in items], f, indent=1)
        print(name, len(items), "clips", int(lengths.sum()), "samples", round(lengths.sum() / speech.RATE / 3600, 2), "h")
    write_bundle(clips["test"])


BUNDLED_CLIPS = 200
BUNDLED_SAMPLES = 10000  # 1.25 s: the first 1.25 s of each of the first 200 test-split clips


def write_bundle(test):
    out = os.path.join(BUNDLE, "clips")
    os.makedirs(out, exist_ok=True)
    index = []
    for k, (t, voice, speed, q) in enumerate(test[:BUNDLED_CLIPS]):
        q = q[:BUNDLED_SAMPLES]
        name = "speech-%03d.wav" % k
        path = os.path.join(out, name)
        speech.write_wav(path, q)
        assert np.array_equal(speech.read_wav_classes(path), q), name
        index.append({"file": name, "text": t, "voice": voice, "wpm": speed, "samples": len(q)})
    with open(os.path.join(BUNDLE, "clips.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    ood = os.path.join(BUNDLE, "ood")
    os.makedirs(ood, exist_ok=True)
    rng = np.random.default_rng(20261202)
    n = speech.RATE
    t = np.arange(n) / speech.RATE
    made = []
    for k in range(10):
        made.append(("noise-white-%d" % k, rng.normal(0, 0.1 + 0.05 * k, n)))
    for k in range(10):
        white = rng.normal(0, 1, n)
        pink = np.fft.irfft(np.fft.rfft(white) / np.sqrt(np.arange(1, n // 2 + 2)), n)
        made.append(("noise-pink-%d" % k, pink / np.abs(pink).max() * (0.3 + 0.05 * k)))
    for k in range(10):
        f0 = 110 * 2 ** (k / 3)
        made.append(("tone-%dhz" % round(f0), 0.5 * np.sin(2 * np.pi * f0 * t) + 0.2 * np.sin(4 * np.pi * f0 * t)))
    for k in range(5):
        f1, f2 = 100 + 150 * k, 3000 - 200 * k
        phase = 2 * np.pi * (f1 * t + (f2 - f1) * t * t / 2)
        made.append(("chirp-%d" % k, 0.6 * np.sin(phase)))
    for k in range(5):
        period = 40 + 30 * k
        x = np.where((np.arange(n) % period) < period // 2, 0.4, -0.4) * 1.0
        made.append(("square-%d" % k, x))
    for name, x in made:
        speech.write_wav(os.path.join(ood, name + ".wav"), speech.mu_encode(np.clip(x, -1, 1)))
    print("bundled", len(index), "speech clips,", len(made), "non-speech clips")


def bundle_only():
    """Rewrites the bundle from data/test.npz and data/test.json (no espeak-ng needed)."""
    z = np.load(os.path.join(DATA, "test.npz"))
    with open(os.path.join(DATA, "test.json")) as f:
        meta = json.load(f)
    classes, lengths = z["classes"].astype(np.int64), z["lengths"]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    test = [(m["text"], m["voice"], m["speed"], classes[s:s + n]) for m, s, n in zip(meta, starts, lengths)]
    write_bundle(test)


if __name__ == "__main__":
    import sys
    bundle_only() if "--bundle-only" in sys.argv else main()
