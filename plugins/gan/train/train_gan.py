#!/usr/bin/env python3
"""Train and export genpipe's class-conditional DCGAN on Fashion-MNIST.

  /usr/bin/python3 train_gan.py [--epochs 10]

The reference article's DCGAN adapted to 28x28 grayscale and conditioned on the class label:
  generator:     z (100) ++ embed(label) (10) -> Linear -> 128x7x7 -> BN ReLU -> ConvT(128->64) 14x14 -> BN ReLU
                 -> ConvT(64->1) 28x28 -> Tanh
  discriminator: image ++ embed(label) as a 28x28 plane -> Conv(2->64) LeakyReLU(0.2) -> Conv(64->128) BN
                 LeakyReLU(0.2) -> Linear(6272->1) -> Sigmoid
BCE loss, Adam(lr 2e-4, betas 0.5/0.999), batch 64, fixed seed. Images are scaled to [-1, 1] for training;
the exported generator maps Tanh's output back to [0, 1] (genpipe's image convention), and the exported
discriminator takes [0, 1] images likewise.

Each epoch: label fidelity (accuracy of the classifier plugin's model on 1000 generated images, 100 per class)
is measured with the exported classifier through torch (rebuilt from its ONNX weights), and the best epoch
is exported: generator.onnx (z float32[batch,100], label int64[batch] -> image float32[batch,1,28,28]),
discriminator.onnx (image, label -> realism float32[batch] in (0, 1)), reference outputs, training curves
(PNG, via the curves in card.json) and card.json.
"""
import argparse
import copy
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
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(PLUGIN, "..", "vae", "train"))
sys.path.insert(0, os.path.join(PLUGIN, "..", "classifier", "train"))
from train_vae import load  # noqa: E402
from train_classifier import Cnn, MODEL as CLASSIFIER  # noqa: E402

MODELS = os.path.join(PLUGIN, "src/main/resources/io/genpipe/gan/models")
REFERENCE = os.path.join(PLUGIN, "src/test/resources/reference")
NZ = 100


class Generator(nn.Module):
    def __init__(self, ngf=64):
        super().__init__()
        self.embed = nn.Embedding(10, 10)
        self.fc = nn.Linear(NZ + 10, ngf * 2 * 7 * 7)
        self.net = nn.Sequential(
            nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1), nn.Tanh())
        self.ngf = ngf

    def forward(self, z, label):
        h = self.fc(torch.cat([z, self.embed(label)], 1))
        return self.net(h.reshape(z.shape[0], self.ngf * 2, 7, 7))


class Discriminator(nn.Module):
    def __init__(self, ndf=64):
        super().__init__()
        self.embed = nn.Embedding(10, 28 * 28)
        self.net = nn.Sequential(
            nn.Conv2d(2, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True))
        self.fc = nn.Linear(ndf * 2 * 7 * 7, 1)

    def forward(self, image, label):
        plane = self.embed(label).reshape(image.shape[0], 1, 28, 28)
        h = self.net(torch.cat([image, plane], 1))
        return torch.sigmoid(self.fc(h.reshape(image.shape[0], -1))).reshape(-1)


class ExportGenerator(nn.Module):
    """z, label -> image in [0, 1]."""

    def __init__(self, g):
        super().__init__()
        self.g = g

    def forward(self, z, label):
        return (self.g(z, label) + 1) / 2


class ExportDiscriminator(nn.Module):
    """image in [0, 1], label -> probability that the image is real."""

    def __init__(self, d):
        super().__init__()
        self.d = d

    def forward(self, image, label):
        return self.d(image * 2 - 1, label)


def classifier():
    model = Cnn()
    state = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in onnx.load(CLASSIFIER).graph.initializer}
    model.load_state_dict({k: v for k, v in state.items() if k in model.state_dict()})
    return model.eval()


@torch.no_grad()
def fidelity(g, clf, seed=1234):
    g.eval()
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(1000, NZ, generator=gen)
    labels = torch.arange(10).repeat_interleave(100)
    images = (g(z, labels) + 1) / 2
    logits, _ = clf(images)
    g.train()
    return (logits.argmax(1) == labels).float().mean().item()


def export(g, d, best_state, best, history, args):
    """Writes the ONNX files, reference outputs and card.json for the given state."""
    g.load_state_dict(best_state[0])
    d.load_state_dict(best_state[1])
    g.eval()
    d.eval()
    os.makedirs(MODELS, exist_ok=True)
    gen_path, dis_path = os.path.join(MODELS, "cdcgan-generator.onnx"), os.path.join(MODELS, "cdcgan-discriminator.onnx")
    z = torch.randn(10, NZ, generator=torch.Generator().manual_seed(99))
    labels = torch.arange(10)
    with torch.no_grad():
        # the wrappers must be in eval mode too: export restores the mode it found, recursively,
        # and a wrapper left in training mode would put the BatchNorms back into batch statistics
        torch.onnx.export(ExportGenerator(g).eval(), (z, labels), gen_path, input_names=["z", "label"], output_names=["image"],
                          dynamic_axes={"z": {0: "batch"}, "label": {0: "batch"}, "image": {0: "batch"}},
                          opset_version=17, do_constant_folding=True)
        images = ExportGenerator(g).eval()(z, labels)
        torch.onnx.export(ExportDiscriminator(d).eval(), (images, labels), dis_path, input_names=["image", "label"],
                          output_names=["realism"],
                          dynamic_axes={"image": {0: "batch"}, "label": {0: "batch"}, "realism": {0: "batch"}},
                          opset_version=17, do_constant_folding=True)
        realism = ExportDiscriminator(d).eval()(images, labels)
    meta = {"genpipe.family": "gan", "genpipe.train.data": "fashion-mnist train (60000)",
            "genpipe.train.epochs": str(best_state[2]), "genpipe.train.seed": str(args.seed),
            "genpipe.train.label_fidelity": "%.4f" % best, "genpipe.train.torch": torch.__version__,
            "genpipe.train.onnx": onnx.__version__, "genpipe.gan.noise_dim": str(NZ)}
    for path in (gen_path, dis_path):
        m = onnx.load(path)
        onnx.helper.set_model_props(m, meta)
        onnx.checker.check_model(m)
        onnx.save(m, path)
    os.makedirs(REFERENCE, exist_ok=True)
    with open(os.path.join(REFERENCE, "cdcgan.json"), "w") as f:
        json.dump({"z": z.tolist(), "labels": labels.tolist(), "images": images.reshape(10, -1).tolist(),
                   "realism": realism.tolist(), "tolerance": 1e-4}, f)
    card = {"epochs": args.epochs, "seed": args.seed, "history": history, "best_epoch": best_state[2],
            "best_label_fidelity": best, "torch": torch.__version__, "onnx": onnx.__version__}
    for name, path in (("generator", gen_path), ("discriminator", dis_path)):
        with open(path, "rb") as f:
            card[name] = {"bytes": os.path.getsize(path), "sha256": hashlib.sha256(f.read()).hexdigest()}
    with open(os.path.join(HERE, "card.json"), "w") as f:
        json.dump(card, f, indent=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=None, help="write models, reference and card here instead of the plugin")
    args = p.parse_args()
    if args.out:
        global MODELS, REFERENCE, HERE
        MODELS = REFERENCE = HERE = args.out
        os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x, y = load("train")
    x = x * 2 - 1
    g, d = Generator(), Discriminator()
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    clf = classifier()
    history, best, best_state = [], -1.0, None
    for epoch in range(args.epochs):
        order = rng.permutation(len(x))
        t0, ld, lg, n = time.time(), 0.0, 0.0, 0
        for i in range(0, len(order) - 63, 64):
            idx = order[i:i + 64]
            real = torch.from_numpy(x[idx])
            labels = torch.from_numpy(y[idx])
            z = torch.randn(len(idx), NZ)
            fake_labels = torch.randint(0, 10, (len(idx),))
            fake = g(z, fake_labels)
            d_loss = F.binary_cross_entropy(d(real, labels), torch.full((len(idx),), 0.9)) + \
                F.binary_cross_entropy(d(fake.detach(), fake_labels), torch.zeros(len(idx)))
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = F.binary_cross_entropy(d(fake, fake_labels), torch.ones(len(idx)))
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            ld, lg, n = ld + d_loss.item(), lg + g_loss.item(), n + 1
        fid = fidelity(g, clf)
        history.append({"epoch": epoch + 1, "d_loss": ld / n, "g_loss": lg / n, "label_fidelity": fid})
        print("epoch %d D %.3f G %.3f label fidelity %.3f (%.0fs)" % (epoch + 1, ld / n, lg / n, fid, time.time() - t0), flush=True)
        if fid > best:
            # export every improvement, so a run can be stopped at any time with the best model so far
            best, best_state = fid, (copy.deepcopy(g.state_dict()), copy.deepcopy(d.state_dict()), epoch + 1)
            export(Generator(), Discriminator(), best_state, best, history, args)
        else:
            with open(os.path.join(HERE, "card.json")) as f:
                card = json.load(f)
            card["history"] = history
            with open(os.path.join(HERE, "card.json"), "w") as f:
                json.dump(card, f, indent=1)
if __name__ == "__main__":
    main()
