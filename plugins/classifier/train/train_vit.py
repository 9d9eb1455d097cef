#!/usr/bin/env python3
"""Trains genpipe's Vision Transformer on Fashion-MNIST and exports vit.onnx.

  apt-get install -y python3-torch python3-onnx libopenblas0-pthread dataset-fashion-mnist
  cd plugins/classifier/train
  /usr/bin/python3 train_vit.py [--epochs 14] [--seed 0]        # resumes from vit.ckpt if present

Model: 4x4-pixel patches (a stride-4 convolution 1->D, the usual linear patch embedding) -> 49 patch
tokens, a learned class token in front (50 tokens), learned position embeddings, pre-LayerNorm
transformer blocks (multi-head self-attention written out by hand: q k^T / sqrt(Dh), softmax, . v;
GELU MLP), a final LayerNorm of the class token (= `features`), a linear head (= `logits`).

Data: Debian's dataset-fashion-mnist, the 60,000 training images only (pixels / 255, in [0, 1]);
light augmentation: random crop of the image zero-padded by 2 pixels, horizontal flip with p = 0.5.
The 10,000 test images are evaluated after every epoch for the card only (no selection: the final
epoch is shipped).

Graph (opset 17, dynamic batch):
  vit.onnx   image float32[batch,1,28,28] in [0,1] -> logits float32[batch,10], features float32[batch,D]
Also writes ../src/test/resources/reference/vit.json (8 test images, their t10k indices, torch's
logits and features) and card-vit.json (hyper-parameters, per-epoch metrics, eager torch speed).
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(PLUGIN, "..", "vae", "train"))
from train_vae import load, CLASSES  # noqa: E402  (the shared IDX reader, pixels / 255)

MODELS = os.path.join(PLUGIN, "src/main/resources/io/genpipe/classifier/models")
REFERENCE = os.path.join(PLUGIN, "src/test/resources/reference")
REF_INDICES = [0, 1, 2, 3, 4, 5, 6, 7]


class Block(nn.Module):
    """Pre-LayerNorm transformer block, attention written out."""

    def __init__(self, dim, heads, ff):
        super().__init__()
        self.heads, self.dh = heads, dim // heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, ff)
        self.fc2 = nn.Linear(ff, dim)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        q = q.reshape(b, t, self.heads, self.dh).transpose(1, 2)
        k = k.reshape(b, t, self.heads, self.dh).transpose(1, 2)
        v = v.reshape(b, t, self.heads, self.dh).transpose(1, 2)
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.dh)), dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Vit(nn.Module):
    def __init__(self, patch=4, dim=64, heads=4, layers=5, ff=128, classes=10):
        super().__init__()
        self.patch, self.dim, self.heads, self.layers, self.ff = patch, dim, heads, layers, ff
        n = (28 // patch) ** 2
        self.embed = nn.Conv2d(1, dim, patch, stride=patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)
        self.blocks = nn.ModuleList([Block(dim, heads, ff) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)
        nn.init.trunc_normal_(self.cls, std=0.02)

    def forward(self, image):
        x = self.embed(image).flatten(2).transpose(1, 2)  # [B, 49, D], patches row-major
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for blk in self.blocks:
            x = blk(x)
        features = self.ln(x[:, 0])
        return self.head(features), features


def augment(x, gen):
    """Random crop of the 2-pixel zero-padded image, horizontal flip with p = 0.5."""
    b = x.shape[0]
    padded = F.pad(x, (2, 2, 2, 2))
    dy = torch.randint(0, 5, (b,), generator=gen)
    dx = torch.randint(0, 5, (b,), generator=gen)
    ar = torch.arange(28)
    rows = (dy[:, None] + ar)[:, :, None]
    cols = (dx[:, None] + ar)[:, None, :]
    out = padded[torch.arange(b)[:, None, None], 0, rows, cols][:, None]
    flip = torch.rand(b, generator=gen) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(3), out)


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    correct, nll = 0, 0.0
    for i in range(0, len(x), 500):
        logits, _ = model(torch.from_numpy(x[i:i + 500]))
        target = torch.from_numpy(y[i:i + 500])
        correct += int((logits.argmax(1) == target).sum())
        nll += float(F.cross_entropy(logits, target, reduction="sum"))
    model.train()
    return correct / len(x), nll / len(x)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@torch.no_grad()
def speed(model, x):
    """Eager torch rows/s at batch 1 and 64 (2 threads, after warm-up)."""
    model.eval()
    out = {}
    for batch, reps in ((1, 300), (64, 30)):
        xb = torch.from_numpy(x[:batch])
        for _ in range(10):
            model(xb)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(reps):
                model(xb)
            best = min(best, time.perf_counter() - t0)
        out["batch%d_rows_per_s" % batch] = batch * reps / best
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "vit.ckpt"))
    ap.add_argument("--out", default=MODELS)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = load("train")
    tx, ty = load("test")
    model = Vit()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(x) / args.batch)
    total_steps = args.epochs * steps_per_epoch
    warmup = steps_per_epoch
    epoch, history, minutes = 0, [], 0.0
    if os.path.exists(args.checkpoint):
        ck = torch.load(args.checkpoint)
        model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"])
        epoch, history, minutes = ck["epoch"], ck["history"], ck["minutes"]
        print("resumed after epoch", epoch, flush=True)
    while epoch < args.epochs:
        t0 = time.time()
        rng = np.random.default_rng(args.seed * 1000 + epoch)
        gen = torch.Generator().manual_seed(args.seed * 1000 + epoch)
        order = rng.permutation(len(x))
        model.train()
        total, seen = 0.0, 0
        for i in range(0, len(order), args.batch):
            step = epoch * steps_per_epoch + i // args.batch
            lr = args.lr * min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * step / total_steps))
            for g in opt.param_groups:
                g["lr"] = lr
            idx = order[i:i + args.batch]
            xb = augment(torch.from_numpy(x[idx]), gen)
            logits, _ = model(xb)
            loss = F.cross_entropy(logits, torch.from_numpy(y[idx]), label_smoothing=args.label_smoothing)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += loss.item() * len(idx)
            seen += len(idx)
            if (i // args.batch) % 100 == 0:
                print("epoch %d step %d loss %.4f %.0fs" % (epoch + 1, i // args.batch, total / seen, time.time() - t0), flush=True)
        epoch += 1
        acc, nll = evaluate(model, tx, ty)
        minutes += (time.time() - t0) / 60
        history.append({"epoch": epoch, "train_loss_smoothed_ce": total / seen, "test_accuracy": acc, "test_nll": nll,
                        "minutes": minutes})
        print("epoch %d train loss %.4f test accuracy %.4f nll %.4f (%.1f min total)" % (epoch, total / seen, acc, nll, minutes), flush=True)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch, "history": history,
                    "minutes": minutes}, args.checkpoint)

    model.eval()
    import onnx
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "vit.onnx")
    ref_x = torch.from_numpy(tx[REF_INDICES])
    with torch.no_grad():
        torch.onnx.export(model, (ref_x,), path, opset_version=17, do_constant_folding=True,
                          input_names=["image"], output_names=["logits", "features"],
                          dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}})
        logits, features = model(ref_x)
    acc, nll = evaluate(model, tx, ty)
    m = onnx.load(path)
    feat = [o for o in m.graph.output if o.name == "features"][0]
    feat.type.tensor_type.shape.dim[1].Clear()
    feat.type.tensor_type.shape.dim[1].dim_value = model.dim  # the exporter leaves a symbolic name here
    onnx.helper.set_model_props(m, {
        "genpipe.family": "transformer", "genpipe.kind": "vit", "genpipe.train.data": "fashion-mnist train (60000)",
        "genpipe.train.epochs": str(epoch), "genpipe.train.seed": str(args.seed),
        "genpipe.train.test_accuracy": "%.4f" % acc, "genpipe.train.torch": torch.__version__,
        "genpipe.train.onnx": onnx.__version__, "genpipe.classifier.classes": json.dumps(CLASSES)})
    onnx.checker.check_model(m)
    onnx.save(m, path)
    os.makedirs(REFERENCE, exist_ok=True)
    with open(os.path.join(REFERENCE, "vit.json"), "w") as f:
        json.dump({"t10k_indices": REF_INDICES, "labels": ty[REF_INDICES].tolist(),
                   "images": (tx[REF_INDICES].reshape(len(REF_INDICES), -1) * 255).round().astype(int).tolist(),
                   "image_scaling": "pixel / 255", "logits": logits.tolist(), "features": features.tolist(),
                   "tolerance": 1e-4}, f)
    rates = speed(model, tx)
    print("eager torch", rates, flush=True)
    card = {"model": "vit", "torch": torch.__version__, "onnx": onnx.__version__, "opset": 17, "seed": args.seed,
            "epochs": epoch, "batch": args.batch, "optimizer": "AdamW", "lr": args.lr, "weight_decay": args.weight_decay,
            "schedule": "linear warm-up over 1 epoch, cosine to 0", "label_smoothing": args.label_smoothing,
            "grad_clip": 1.0, "augmentation": "random crop of the 2-pixel zero-padded image, horizontal flip p=0.5",
            "patch": model.patch, "tokens": (28 // model.patch) ** 2 + 1, "dim": model.dim, "heads": model.heads,
            "layers": model.layers, "ff": model.ff, "parameters": sum(p.numel() for p in model.parameters()),
            "train_minutes": minutes, "threads": args.threads, "hardware": "2 shared CPU cores, nice 19",
            "test_accuracy": acc, "test_nll": nll, "history": history,
            "selection": "none: the final epoch is shipped; test figures are reported per epoch, never used to choose",
            "eager_torch_inference": dict(rates, threads=args.threads, note="best of 3 timed loops after 10 warm-up calls"),
            "inputs": {"image": "float32[batch,1,28,28], pixel / 255"},
            "outputs": {"logits": "float32[batch,10]", "features": "float32[batch,%d] (final LayerNorm of the class token)" % model.dim},
            "classes": CLASSES, "bytes": os.path.getsize(path), "sha256": sha256(path)}
    with open(os.path.join(HERE, "card-vit.json"), "w") as f:
        json.dump(card, f, indent=1)
    print(json.dumps({k: v for k, v in card.items() if k != "history"}), flush=True)


if __name__ == "__main__":
    main()
