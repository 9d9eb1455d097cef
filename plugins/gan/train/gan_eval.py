#!/usr/bin/env python3
"""What train_gan.py measures each epoch, the way pipelines/bench/gan-quality.yaml measures it.

The yardstick is the classifier plugin's CNN (its shipped ONNX weights, read back into torch): label fidelity is
its accuracy on generated images against the requested labels; FD-clf is the Frechet distance between its
128 features of generated images and of real ones (the first 10,000 training images, fd_train, which selects the
exported checkpoint; the test split, fd_test, reported only). The real-vs-real floor is 10,000 training images
against the test split, as the pipeline's fdClfFloor.
"""
import os
import struct
import sys
import zlib

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "plugins", "vae", "train"))
sys.path.insert(0, os.path.join(ROOT, "plugins", "classifier", "train"))
from train_vae import load  # noqa: E402,F401  (the shared IDX reader, re-exported for train_gan.py)
from train_classifier import Cnn  # noqa: E402

NZ = 100
CNN = os.path.join(ROOT, "plugins/classifier/src/main/resources/io/genpipe/classifier/models/fmnist-cnn.onnx")


def onnx_state(path, prefix=""):
    """The initializers of an ONNX file whose names start with prefix, as tensors keyed by the rest of the name."""
    return {t.name[len(prefix):]: torch.from_numpy(numpy_helper.to_array(t).copy())
            for t in onnx.load(path).graph.initializer if t.name.startswith(prefix)}


def frechet(a, b):
    """Frechet distance between Gaussians fitted to the rows of a and b (float64; trace of the square root of
    S_a S_b from the eigenvalues of S_a^1/2 S_b S_a^1/2, which is symmetric)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(s_a)
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root @ s_b @ root), 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * cross)


class Yardstick:
    def __init__(self):
        self.cnn = Cnn()
        state = onnx_state(CNN)
        missing = [k for k in self.cnn.state_dict() if k not in state]
        if missing:
            raise ValueError("%s lacks initializers for %s" % (CNN, missing))
        self.cnn.load_state_dict({k: state[k] for k in self.cnn.state_dict()})
        self.cnn.eval()
        train, _ = load("train")
        test, test_labels = load("test")
        self.train = self.features(train[:10000])[1]
        self.test = self.features(test)[1]
        accuracy = (self.features(test)[0].argmax(1) == test_labels).mean()
        if accuracy < 0.9:
            raise ValueError("the yardstick's test accuracy is %.4f: its weights were not read right" % accuracy)

    @torch.no_grad()
    def features(self, images):
        logits, feats = [], []
        for i in range(0, len(images), 1000):
            lo, fe = self.cnn(torch.as_tensor(images[i:i + 1000]))
            logits.append(lo.numpy())
            feats.append(fe.numpy())
        return np.concatenate(logits), np.concatenate(feats)

    def floor(self):
        return frechet(self.train, self.test)

    @torch.no_grad()
    def measure(self, generate, seed=1234, n_per_class=1000):
        """generate(z, labels) -> images in [0, 1]; 10 * n_per_class images, labels 0..9 in turn."""
        gen = torch.Generator().manual_seed(seed)
        images, labels = [], []
        n = 10 * n_per_class
        for i in range(0, n, 500):
            y = torch.arange(i, min(i + 500, n)) % 10
            z = torch.randn(len(y), NZ, generator=gen)
            images.append(generate(z, y).numpy())
            labels.append(y.numpy())
        logits, feats = self.features(np.concatenate(images))
        labels = np.concatenate(labels)
        right = logits.argmax(1) == labels
        return {"label_fidelity": float(right.mean()),
                "per_class_fidelity": [round(float(right[labels == c].mean()), 3) for c in range(10)],
                "fd_train": frechet(feats, self.train), "fd_test": frechet(feats, self.test)}


def write_png(path, pixels):
    """pixels: uint8 [h, w] grey."""
    h, w = pixels.shape
    raw = b"".join(b"\x00" + pixels[r].tobytes() for r in range(h))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


@torch.no_grad()
def class_grid(generate, path, seed=5, per_class=10, scale=2):
    """One row per class, per_class samples each, 2 px gaps, scaled up."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.arange(10).repeat_interleave(per_class)
    z = torch.randn(len(y), NZ, generator=gen)
    images = generate(z, y).clamp(0, 1).numpy().reshape(10, per_class, 28, 28)
    cell = 28 * scale + 2
    grid = np.full((10 * cell + 2, per_class * cell + 2), 255, np.uint8)
    for r in range(10):
        for c in range(per_class):
            tile = np.kron(images[r, c], np.ones((scale, scale)))
            grid[2 + r * cell:2 + r * cell + 28 * scale, 2 + c * cell:2 + c * cell + 28 * scale] = \
                np.round(tile * 255).astype(np.uint8)
    write_png(path, grid)
