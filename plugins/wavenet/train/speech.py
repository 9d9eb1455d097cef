"""Speech data for the WaveNet family, rendered offline with Debian's espeak-ng from fortunes text.

Text: Debian's `fortunes` (one file per category under /usr/share/games/fortunes, entries separated by
'%' lines); each entry's lines joined with spaces, kept when it is 20..100 characters of plain ASCII
letters, digits and punctuation. Split by text (never by clip): md5(text) % 10 == 0 is validation,
== 1 is test, the rest training; a text is rendered once, so no sentence is heard in two splits.

Audio: espeak-ng at 22,050 Hz (voice and speed picked from md5(text): 5 voices x 3 speeds), leading and
trailing silence trimmed to 40 ms, peak-normalised to 0.8, resampled to 8 kHz by FFT (band-limited),
then 8-bit mu-law (mu = 255, 256 classes) exactly as io.genpipe.wavenet.MuLaw does it in Java:
  y = sign(x) ln(1 + 255|x|) / ln 256,  class = floor((y + 1) / 2 * 255 + 0.5)
  decode: y = 2 class / 255 - 1,  x = sign(y) (256^|y| - 1) / 255
Bundled WAVs are 16-bit PCM holding round(32767 * decode(class)): reading one back and encoding it gives
the same classes (checked here for every bundled clip).
"""
import hashlib
import os
import subprocess
import tempfile
import wave

import numpy as np

FORTUNE_DIR = "/usr/share/games/fortunes"
EXCLUDED = {"ascii-art", "translate-me"}
VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb-scotland+m3", "en-us+f5"]
SPEEDS = [140, 165, 190]
RATE = 8000
ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'-\"()")


def texts():
    out = []
    seen = set()
    for c in sorted(f for f in os.listdir(FORTUNE_DIR)
                    if "." not in f and f not in EXCLUDED and os.path.isfile(os.path.join(FORTUNE_DIR, f))):
        with open(os.path.join(FORTUNE_DIR, c), encoding="utf-8", errors="replace") as f:
            raw = f.read()
        for entry in raw.split("\n%\n"):
            t = " ".join(line.strip() for line in entry.split("\n") if line.strip() and line.strip() != "%")
            t = " ".join(t.split())
            if 20 <= len(t) <= 100 and all(ch in ALLOWED for ch in t) and sum(ch.isalpha() for ch in t) > 12 \
                    and t not in seen:
                seen.add(t)
                out.append(t)
    return out


def digest(text):
    return int(hashlib.md5(text.encode("utf-8")).hexdigest(), 16)


def split_of(text):
    d = digest(text) % 10
    return "validation" if d == 0 else "test" if d == 1 else "train"


def voice_of(text):
    d = digest(text) // 10
    return VOICES[d % len(VOICES)], SPEEDS[(d // len(VOICES)) % len(SPEEDS)]


def mu_encode(x):
    x = np.clip(x, -1.0, 1.0)
    y = np.sign(x) * np.log1p(255.0 * np.abs(x)) / np.log(256.0)
    return np.floor((y + 1.0) / 2.0 * 255.0 + 0.5).astype(np.int64)


def mu_decode(q):
    y = 2.0 * np.asarray(q, dtype=np.float64) / 255.0 - 1.0
    return np.sign(y) * (np.power(256.0, np.abs(y)) - 1.0) / 255.0


def resample(x, rate_in, rate_out=RATE):
    n_out = int(round(len(x) * rate_out / rate_in))
    spectrum = np.fft.rfft(x)
    keep = n_out // 2 + 1
    y = np.fft.irfft(spectrum[:keep], n_out) * (n_out / len(x))
    return y


def render(text, voice, speed, workdir):
    path = os.path.join(workdir, "clip.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", path, text], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with wave.open(path) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    loud = np.nonzero(np.abs(x) > 0.01)[0]
    if len(loud) == 0:
        return None
    pad = int(0.04 * rate)
    x = x[max(0, loud[0] - pad):loud[-1] + pad]
    x = x / max(1e-9, np.abs(x).max()) * 0.8
    y = resample(x, rate)
    return mu_encode(y)


def pcm16(classes):
    return np.round(32767.0 * mu_decode(classes)).astype("<i2")


def write_wav(path, classes):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm16(classes).tobytes())


def read_wav_classes(path):
    with wave.open(path) as w:
        s = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    return mu_encode(s / 32767.0)
