#!/usr/bin/env python3
"""Train and export genpipe's VAE family on Fashion-MNIST (Debian's python3-torch; run with /usr/bin/python3).

  /usr/bin/python3 train_vae.py mlp                  # the reference article's MLP VAE 784-400-20, all classes
  /usr/bin/python3 train_vae.py one-class            # one conv VAE per class (0..9) for one-class anomaly detection
  /usr/bin/python3 train_vae.py one-class --classes 3 4
  /usr/bin/python3 train_vae.py byom                 # a second MLP VAE (latent 8) and a misfit model, for the tests

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, IDX gz). Images are scaled to
[0, 1]; every model takes image float32[batch,1,28,28] and the decoder returns Bernoulli means of the
same shape. Each export writes encoder/decoder .onnx (opset 17, dynamic batch), custom metadata (provenance,
latent statistics and score statistics of the training data, which the anomaly scorer uses to normalise),
a JSON file of reference inputs/outputs for the Java parity tests, and a model-card fragment (JSON).
"""
import argparse
import gzip
import hashlib
import json
import math
import os
import struct
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.dirname(HERE)
MODELS = os.path.join(PLUGIN, "src/main/resources/io/genpipe/vae/models")
REFERENCE = os.path.join(PLUGIN, "src/test/resources/reference")
BYOM = os.path.join(PLUGIN, "src/test/resources/byom")
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, dims = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, path
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(DATA, prefix + "-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    labels = read_idx(os.path.join(DATA, prefix + "-labels-idx1-ubyte.gz")).astype(np.int64)
    return images.reshape(-1, 1, 28, 28), labels


class MlpVae(nn.Module):
    """The reference article's VAE: 784-400-latent, ReLU, sigmoid output."""

    def __init__(self, latent=20, hidden=400):
        super().__init__()
        self.latent = latent
        self.fc1 = nn.Linear(784, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, 784)

    def encode(self, x):
        h = F.relu(self.fc1(x.reshape(x.shape[0], 784)))
        return self.fc21(h), self.fc22(h)

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))).reshape(z.shape[0], 1, 28, 28)


class ConvVae(nn.Module):
    """A small convolutional VAE for one class: two strided convolutions each way."""

    def __init__(self, latent=16):
        super().__init__()
        self.latent = latent
        self.enc = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU())
        self.fc = nn.Linear(64 * 7 * 7, 2 * latent)
        self.dfc = nn.Linear(latent, 64 * 7 * 7)
        self.dec = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
                                 nn.ConvTranspose2d(32, 1, 4, 2, 1))

    def encode(self, x):
        h = self.fc(self.enc(x).reshape(x.shape[0], -1))
        return h[:, :self.latent], h[:, self.latent:]

    def decode(self, z):
        return torch.sigmoid(self.dec(self.dfc(z).reshape(z.shape[0], 64, 7, 7)))


class Encoder(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, image):
        return self.vae.encode(image)


class Decoder(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, z):
        return self.vae.decode(z)


def loss_fn(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kl


def train(model, images, epochs, batch, lr, seed, log):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    x_all = torch.from_numpy(images)
    history = []
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(images))
        total = 0.0
        t0 = time.time()
        for i in range(0, len(order), batch):
            x = x_all[order[i:i + batch]]
            mu, logvar = model.encode(x)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            loss = loss_fn(model.decode(z), x, mu, logvar)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        history.append(total / len(images))
        log("epoch %d/%d loss %.2f (%.1fs)" % (epoch + 1, epochs, history[-1], time.time() - t0))
    model.eval()
    return history


@torch.no_grad()
def statistics(model, images, batch=500):
    """Latent mean / precision of the posterior means and score statistics on the training data."""
    mus, recon_err = [], []
    for i in range(0, len(images), batch):
        x = torch.from_numpy(images[i:i + batch])
        mu, _ = model.encode(x)
        r = model.decode(mu)
        mus.append(mu.double())
        recon_err.append(((r - x) ** 2).sum(dim=(1, 2, 3)).double())
    mu = torch.cat(mus)
    recon = torch.cat(recon_err)
    mean = mu.mean(0)
    centered = mu - mean
    cov = centered.T @ centered / (len(mu) - 1) + 1e-6 * torch.eye(mu.shape[1], dtype=torch.float64)
    precision = torch.linalg.inv(cov)
    maha = ((centered @ precision) * centered).sum(1)
    return {
        "latent_mean": mean.tolist(),
        "latent_precision": precision.reshape(-1).tolist(),
        "stats": {"reconstruction": {"mean": recon.mean().item(), "std": recon.std().item()},
                  "mahalanobis": {"mean": maha.mean().item(), "std": maha.std().item()}},
    }


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def export(model, name, out_dir, meta, reference_images):
    os.makedirs(out_dir, exist_ok=True)
    model.eval()
    enc_path = os.path.join(out_dir, name + "-encoder.onnx")
    dec_path = os.path.join(out_dir, name + "-decoder.onnx")
    x = torch.from_numpy(reference_images)
    with torch.no_grad():
        torch.onnx.export(Encoder(model), (x,), enc_path, input_names=["image"], output_names=["mu", "logvar"],
                          dynamic_axes={"image": {0: "batch"}, "mu": {0: "batch"}, "logvar": {0: "batch"}},
                          opset_version=17, do_constant_folding=True)
        z = torch.zeros(2, model.latent)
        torch.onnx.export(Decoder(model), (z,), dec_path, input_names=["z"], output_names=["image"],
                          dynamic_axes={"z": {0: "batch"}, "image": {0: "batch"}}, opset_version=17,
                          do_constant_folding=True)
    for path, extra in ((enc_path, meta["encoder"]), (dec_path, meta["decoder"])):
        m = onnx.load(path)
        props = dict(meta["common"])
        props.update(extra)
        onnx.helper.set_model_props(m, {k: v if isinstance(v, str) else json.dumps(v) for k, v in props.items()})
        onnx.checker.check_model(m)
        onnx.save(m, path)
    with torch.no_grad():
        mu, logvar = model.encode(x)
        recon = model.decode(mu)
    reference = {
        "model": name,
        "images": (reference_images.reshape(len(reference_images), -1) * 255).round().astype(int).tolist(),
        "mu": mu.tolist(), "logvar": logvar.tolist(),
        "decoded_mu": recon.reshape(len(recon), -1).tolist(),
        "tolerance": 1e-4,
    }
    return enc_path, dec_path, reference


def auroc(scores, positives):
    """AUROC of scores (higher = more anomalous) with positives = anomalies; ties count half."""
    order = np.argsort(scores, kind="mergesort")
    s = np.asarray(scores)[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty(len(s))
    r[order] = ranks
    pos = np.asarray(positives)
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return (r[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def common_meta(kind, args, data, epochs, history, seed):
    return {
        "genpipe.family": "vae",
        "genpipe.vae.kind": kind,
        "genpipe.vae.likelihood": "bernoulli",
        "genpipe.train.data": data,
        "genpipe.train.epochs": str(epochs),
        "genpipe.train.seed": str(seed),
        "genpipe.train.final_loss": "%.4f" % history[-1],
        "genpipe.train.torch": torch.__version__,
        "genpipe.train.onnx": onnx.__version__,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["mlp", "one-class", "byom"])
    p.add_argument("--classes", type=int, nargs="*", default=list(range(10)))
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    log = lambda s: print(s, flush=True)
    train_x, train_y = load("train")
    test_x, test_y = load("test")
    reference_images = test_x[:8]
    cards = []
    os.makedirs(REFERENCE, exist_ok=True)

    if args.what in ("mlp", "byom"):
        latent = 20 if args.what == "mlp" else 8
        epochs = args.epochs or (20 if args.what == "mlp" else 3)
        torch.manual_seed(args.seed)
        model = MlpVae(latent)
        history = train(model, train_x, epochs, 128, 1e-3, args.seed, log)
        stats = statistics(model, train_x)
        name = "mlp-vae" if args.what == "mlp" else "mlp-vae-latent8"
        meta = {"common": common_meta("mlp", args, "fashion-mnist train (60000, all classes)", epochs, history, args.seed),
                "encoder": {"genpipe.vae.latent_mean": stats["latent_mean"],
                            "genpipe.vae.latent_precision": stats["latent_precision"],
                            "genpipe.vae.stats": stats["stats"]},
                "decoder": {}}
        out = MODELS if args.what == "mlp" else BYOM
        enc, dec, ref = export(model, name, out, meta, reference_images)
        with open(os.path.join(REFERENCE, name + ".json"), "w") as f:
            json.dump(ref, f)
        with torch.no_grad():
            x = torch.from_numpy(test_x)
            mu, _ = model.encode(x)
            bce = F.binary_cross_entropy(model.decode(mu), x, reduction="none").sum(dim=(1, 2, 3)).mean().item()
        cards.append({"name": name, "latent": latent, "epochs": epochs, "seed": args.seed, "history": history,
                      "test_bce_decode_mu": bce, "encoder_sha256": sha256(enc), "decoder_sha256": sha256(dec),
                      "encoder_bytes": os.path.getsize(enc), "decoder_bytes": os.path.getsize(dec)})
        log("test mean BCE per image of decode(encode(x)): %.2f" % bce)
        if args.what == "byom":
            # The same encoder with no metadata: a user's model without training statistics.
            bare = onnx.load(enc)
            del bare.metadata_props[:]
            onnx.save(bare, os.path.join(BYOM, name + "-nostats-encoder.onnx"))
            # A model whose ports do not fit the VAE components: flat input named "x", one output.
            misfit = nn.Sequential(nn.Flatten(), nn.Linear(784, 20))
            path = os.path.join(BYOM, "misfit-encoder.onnx")
            torch.onnx.export(misfit, (torch.zeros(2, 1, 28, 28).reshape(2, 784),), path, input_names=["x"],
                              output_names=["h"], dynamic_axes={"x": {0: "batch"}, "h": {0: "batch"}}, opset_version=17)
    else:
        epochs = args.epochs or 30
        for c in args.classes:
            torch.manual_seed(args.seed + c)
            model = ConvVae(16)
            cls = train_x[train_y == c]
            log("class %d (%s): %d training images" % (c, CLASSES[c], len(cls)))
            history = train(model, cls, epochs, 64, 1e-3, args.seed + c, log)
            stats = statistics(model, cls)
            name = "one-class-%d" % c
            meta = {"common": common_meta("conv-one-class", args, "fashion-mnist train, class %d (%s) only" % (c, CLASSES[c]),
                                          epochs, history, args.seed + c),
                    "encoder": {"genpipe.vae.latent_mean": stats["latent_mean"],
                                "genpipe.vae.latent_precision": stats["latent_precision"],
                                "genpipe.vae.stats": stats["stats"], "genpipe.vae.class": str(c)},
                    "decoder": {"genpipe.vae.class": str(c)}}
            enc, dec, ref = export(model, name, os.path.join(MODELS, "one-class"), meta, reference_images)
            with open(os.path.join(REFERENCE, name + ".json"), "w") as f:
                json.dump(ref, f)
            # quick python-side AUROC for the training log (genpipe computes the official figures)
            with torch.no_grad():
                x = torch.from_numpy(test_x)
                mu, _ = model.encode(x)
                rec = ((model.decode(mu) - x) ** 2).sum(dim=(1, 2, 3)).double()
                m = torch.tensor(stats["latent_mean"], dtype=torch.float64)
                P = torch.tensor(stats["latent_precision"], dtype=torch.float64).reshape(16, 16)
                d = mu.double() - m
                maha = ((d @ P) * d).sum(1)
                s = stats["stats"]
                comb = (rec - s["reconstruction"]["mean"]) / s["reconstruction"]["std"] + \
                       (maha - s["mahalanobis"]["mean"]) / s["mahalanobis"]["std"]
            anomalies = test_y != c
            a = {k: auroc(v.numpy(), anomalies) for k, v in (("reconstruction", rec), ("mahalanobis", maha), ("combined", comb))}
            log("class %d AUROC %s" % (c, json.dumps({k: round(v, 4) for k, v in a.items()})))
            cards.append({"name": name, "class": c, "latent": 16, "epochs": epochs, "seed": args.seed + c,
                          "history": history, "python_auroc": a, "encoder_sha256": sha256(enc),
                          "decoder_sha256": sha256(dec), "encoder_bytes": os.path.getsize(enc),
                          "decoder_bytes": os.path.getsize(dec)})
    with open(os.path.join(HERE, "card-%s-%s.json" % (args.what, "-".join(map(str, args.classes)) if args.what == "one-class" else "all")), "w") as f:
        json.dump({"torch": torch.__version__, "onnx": onnx.__version__, "models": cards}, f, indent=1)


if __name__ == "__main__":
    main()
