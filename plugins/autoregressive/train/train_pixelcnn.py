#!/usr/bin/env python3
"""Trains genpipe's PixelCNN on binarized Fashion-MNIST and exports it to ONNX.

  apt-get install -y python3-torch python3-onnx libopenblas0-pthread dataset-fashion-mnist
  /usr/bin/python3 train_pixelcnn.py [--minutes 25] [--out DIR]

Binarization is fixed: a pixel is 1 when its byte is >= 128 (value >= 0.5), else 0 — the Java side
binarizes the same way. Masked convolutions (van den Oord et al. 2016): a 7x7 type-A mask, residual
3x3 type-B blocks, 1x1 head giving one Bernoulli logit per pixel. Class-conditional through a learned
per-block bias; class index 10 means "no class" (trained with 10% label dropout), so one model serves
conditional and unconditional sampling and scoring.
ONNX: inputs x float [batch, 1, 28, 28] (0/1), label int64 [batch]; output logits float [batch, 1, 28, 28].
"""
import argparse
import gzip
import hashlib
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.dirname(HERE)
MODELS = os.path.join(PLUGIN, "src/main/resources/io/genpipe/autoregressive/models")
REFERENCE = os.path.join(PLUGIN, "src/test/resources/reference")
DATA = "/usr/share/datasets/fashion-mnist"
NO_CLASS = 10


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(DATA, prefix + "-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA, prefix + "-labels-idx1-ubyte.gz")).astype(np.int64)
    return (images >= 128).astype(np.float32).reshape(-1, 1, 28, 28), labels


class MaskedConv(nn.Conv2d):
    def __init__(self, cin, cout, k, mask_type):
        super().__init__(cin, cout, k, padding=k // 2)
        mask = torch.ones_like(self.weight)
        c = k // 2
        mask[:, :, c, c + (1 if mask_type == "B" else 0):] = 0
        mask[:, :, c + 1:, :] = 0
        self.register_buffer("mask", mask)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class PixelCnn(nn.Module):
    def __init__(self, channels=64, blocks=6):
        super().__init__()
        self.inp = MaskedConv(1, channels, 7, "A")
        self.blocks = nn.ModuleList([MaskedConv(channels, channels, 3, "B") for _ in range(blocks)])
        self.cond = nn.ModuleList([nn.Embedding(NO_CLASS + 1, channels) for _ in range(blocks + 1)])
        self.head1 = nn.Conv2d(channels, channels, 1)
        self.head2 = nn.Conv2d(channels, 1, 1)

    def forward(self, x, label):
        h = self.inp(x) + self.cond[0](label)[:, :, None, None]
        for block, cond in zip(self.blocks, self.cond[1:]):
            h = h + block(F.relu(h)) + cond(label)[:, :, None, None]
        return self.head2(F.relu(self.head1(F.relu(h))))


def nll_nats(model, x, labels, batch=500):
    """Per-image negative log-likelihood in nats."""
    out = []
    model.eval()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = torch.from_numpy(x[i:i + batch])
            lb = torch.from_numpy(labels[i:i + batch])
            logits = model(xb, lb)
            out.append(F.binary_cross_entropy_with_logits(logits, xb, reduction="none").sum(dim=(1, 2, 3)).numpy())
    model.train()
    return np.concatenate(out)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=25)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", default=MODELS)
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "pixelcnn.ckpt"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train_x, train_y = load("train")
    test_x, test_y = load("test")
    model = PixelCnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    steps_per_epoch = len(train_x) // args.batch
    total = steps_per_epoch * args.epochs
    step, history = 0, []
    if os.path.exists(args.checkpoint):
        ck = torch.load(args.checkpoint)
        model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"]); step = ck["step"]; history = ck["history"]
        print("resumed at step", step, flush=True)
    start = time.time()
    running = None
    while step < total and time.time() - start < args.minutes * 60:
        epoch_rng = np.random.default_rng(args.seed * 1000 + step // steps_per_epoch)
        order = epoch_rng.permutation(len(train_x))
        i = step % steps_per_epoch
        idx = order[i * args.batch:(i + 1) * args.batch]
        x = torch.from_numpy(train_x[idx])
        y = torch.from_numpy(train_y[idx]).clone()
        drop = torch.from_numpy(rng.random(len(idx)) < 0.1)
        y[drop] = NO_CLASS
        for g in opt.param_groups:
            g["lr"] = 1e-3 * 0.5 * (1 + math.cos(math.pi * step / total))
        loss = F.binary_cross_entropy_with_logits(model(x, y), x, reduction="sum") / len(idx)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 100 == 0:
            print("step %d/%d loss %.2f nats/image %.0fs" % (step, total, running, time.time() - start), flush=True)
        if step % 500 == 0:
            history.append({"step": step, "train_nats": running})
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "history": history}, args.checkpoint)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "history": history}, args.checkpoint)

    cond = nll_nats(model, test_x, test_y)
    uncond = nll_nats(model, test_x, np.full_like(test_y, NO_CLASS))
    per_class = {int(c): float(cond[test_y == c].mean()) for c in range(10)}
    print("test NLL conditional %.2f nats (%.4f bits/dim), unconditional %.2f nats (%.4f bits/dim)" % (
        cond.mean(), cond.mean() / 784 / math.log(2), uncond.mean(), uncond.mean() / 784 / math.log(2)), flush=True)

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "pixelcnn.onnx")
    model.eval()
    xb = torch.from_numpy(test_x[:4])
    lb = torch.tensor([0, 3, NO_CLASS, 9])
    torch.onnx.export(model, (xb, lb), path, opset_version=17, input_names=["x", "label"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "label": {0: "batch"}, "logits": {0: "batch"}})
    import onnx
    m = onnx.load(path)
    onnx.helper.set_model_props(m, {"genpipe.family": "autoregressive", "genpipe.kind": "pixelcnn",
                                    "genpipe.binarize_threshold": "0.5", "genpipe.no_class": str(NO_CLASS),
                                    "genpipe.test_nats_conditional": "%.3f" % cond.mean(),
                                    "genpipe.test_nats_unconditional": "%.3f" % uncond.mean()})
    onnx.save(m, path)
    with torch.no_grad():
        logits = model(xb, lb)
    os.makedirs(REFERENCE, exist_ok=True)
    with open(os.path.join(REFERENCE, "pixelcnn.json"), "w") as f:
        json.dump({"indices": [0, 1, 2, 3], "labels": lb.tolist(),
                   "logits_sum": logits.sum(dim=(1, 2, 3)).tolist(),
                   "logits_first_row": logits[:, 0, 14, :].numpy().round(6).tolist(),
                   "nll_nats": F.binary_cross_entropy_with_logits(logits, xb, reduction="none").sum(dim=(1, 2, 3)).tolist(),
                   "test_nats_conditional_mean": float(cond.mean()), "test_nats_unconditional_mean": float(uncond.mean()),
                   "test_nats_conditional_first100": float(cond[:100].mean())}, f)
    card = {"torch": torch.__version__, "onnx": onnx.__version__, "seed": args.seed, "steps": step,
            "epochs": step / steps_per_epoch, "batch": args.batch, "channels": 64, "blocks": 6,
            "parameters": sum(p.numel() for p in model.parameters()),
            "test_nats_conditional": float(cond.mean()), "test_nats_unconditional": float(uncond.mean()),
            "test_bits_per_dim_conditional": float(cond.mean() / 784 / math.log(2)),
            "test_bits_per_dim_unconditional": float(uncond.mean() / 784 / math.log(2)),
            "test_nats_conditional_per_class": per_class, "history": history,
            "bytes": os.path.getsize(path), "sha256": sha256(path)}
    with open(os.path.join(HERE, "card-pixelcnn.json"), "w") as f:
        json.dump(card, f, indent=1)
    print(json.dumps({k: v for k, v in card.items() if k != "history"}))


if __name__ == "__main__":
    main()
