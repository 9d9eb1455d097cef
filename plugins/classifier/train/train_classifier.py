#!/usr/bin/env python3
"""Train and export genpipe's Fashion-MNIST classifier (the yardstick for generated images).

  /usr/bin/python3 train_classifier.py [--epochs 12]

A small CNN: Conv(1->32,3) ReLU MaxPool, Conv(32->64,3) ReLU MaxPool, Linear(3136->128) ReLU = features,
Dropout(0.3), Linear(128->10) = logits. Input image float32[batch,1,28,28] in [0, 1]; outputs logits
float32[batch,10] and features float32[batch,128]. Trained on Debian's dataset-fashion-mnist train split
Adam 1e-3 halved every 4 epochs, batch 128, fixed seed. Writes the .onnx,
reference outputs for the Java parity tests, and card.json.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(PLUGIN, "..", "vae", "train"))
from train_vae import load  # noqa: E402  (the shared IDX reader)

MODEL = os.path.join(PLUGIN, "src/main/resources/io/genpipe/classifier/models/fmnist-cnn.onnx")
REFERENCE = os.path.join(PLUGIN, "src/test/resources/reference/fmnist-cnn.json")


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc = nn.Linear(64 * 7 * 7, 128)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(128, 10)

    def forward(self, image):
        h = F.max_pool2d(F.relu(self.c1(image)), 2)
        h = F.max_pool2d(F.relu(self.c2(h)), 2)
        features = F.relu(self.fc(h.reshape(h.shape[0], -1)))
        return self.out(self.drop(features)), features


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    correct = 0
    for i in range(0, len(x), 1000):
        logits, _ = model(torch.from_numpy(x[i:i + 1000]))
        correct += (logits.argmax(1).numpy() == y[i:i + 1000]).sum()
    return correct / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x, y = load("train")
    tx, ty = load("test")
    model = Cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    history = []
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(x))
        t0, total = time.time(), 0.0
        for i in range(0, len(order), 128):
            idx = order[i:i + 128]
            xb = torch.from_numpy(x[idx])
            logits, _ = model(xb)
            loss = F.cross_entropy(logits, torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        acc = accuracy(model, tx, ty)
        history.append({"epoch": epoch + 1, "train_loss": total / len(x), "test_accuracy": float(acc)})
        print("epoch %d loss %.4f test accuracy %.4f (%.0fs)" % (epoch + 1, total / len(x), acc, time.time() - t0), flush=True)
    model.eval()
    os.makedirs(os.path.dirname(MODEL), exist_ok=True)
    ref_x = torch.from_numpy(tx[:8])
    with torch.no_grad():
        torch.onnx.export(model, (ref_x,), MODEL, input_names=["image"], output_names=["logits", "features"],
                          dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}},
                          opset_version=17, do_constant_folding=True)
        logits, features = model(ref_x)
    m = onnx.load(MODEL)
    onnx.helper.set_model_props(m, {
        "genpipe.family": "classifier", "genpipe.train.data": "fashion-mnist train (60000)",
        "genpipe.train.epochs": str(args.epochs), "genpipe.train.seed": str(args.seed),
        "genpipe.train.test_accuracy": "%.4f" % history[-1]["test_accuracy"],
        "genpipe.train.torch": torch.__version__, "genpipe.train.onnx": onnx.__version__,
        "genpipe.classifier.classes": json.dumps(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                                  "Shirt", "Sneaker", "Bag", "Ankle boot"])})
    onnx.checker.check_model(m)
    onnx.save(m, MODEL)
    os.makedirs(os.path.dirname(REFERENCE), exist_ok=True)
    with open(REFERENCE, "w") as f:
        json.dump({"images": (tx[:8].reshape(8, -1) * 255).round().astype(int).tolist(), "labels": ty[:8].tolist(),
                   "logits": logits.tolist(), "features": features.tolist(), "tolerance": 1e-4}, f)
    with open(MODEL, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(HERE, "card.json"), "w") as f:
        json.dump({"epochs": args.epochs, "seed": args.seed, "history": history, "bytes": os.path.getsize(MODEL),
                   "sha256": digest, "torch": torch.__version__, "onnx": onnx.__version__}, f, indent=1)


if __name__ == "__main__":
    main()
