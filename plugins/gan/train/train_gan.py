#!/usr/bin/env python3
"""Train and export genpipe's class-conditional GAN on Fashion-MNIST (v2: SN projection GAN, hinge, EMA).

  /usr/bin/python3 train_gan.py --epochs 12 --ckpt /work/scratch/gan      # resumes from --ckpt if it holds a run
  /usr/bin/python3 train_gan.py --ckpt /work/scratch/gan --export-only     # export the selected checkpoint

Generator (exported with its weights' exponential moving average, decay --ema):
  z (100) ++ embed(label) (32) -> Linear -> c1 x 7 x 7 -> CBN ReLU -> ConvT(c1->c2, 4, s2) 14x14 -> CBN ReLU
  -> ConvT(c2->c3, 4, s2) 28x28 -> CBN ReLU -> Conv(c3->1, 3) -> Tanh
  where CBN is BatchNorm without affine parameters followed by a per-class gain and bias (conditional BN).
Discriminator (spectral norm on every weight, projection conditioning, Miyato & Koyama 2018):
  image -> Conv(1->d1, 4, s2) LReLU(0.1) -> Conv(d1->d2, 4, s2) LReLU -> Conv(d2->d3, 3, s1) LReLU -> sum over
  7x7 -> h;  D(x, y) = w.h + b + embed(y).h
Hinge loss, Adam(2e-4, betas 0.5/0.999) for both (SNGAN's setting C, one D step per G step), batch 64, fixed
seed. Images are scaled to [-1, 1] for training; the exported generator maps Tanh's output back to [0, 1]
(genpipe's image convention), and the exported discriminator takes [0, 1] images and returns
realism = sigmoid(D) (spectral norm folded into the weights).

The ONNX ports are those of the first (DCGAN) version, so every pipeline keeps working:
  generator.onnx:     z float32[batch,100], label int64[batch] -> image float32[batch,1,28,28] in [0, 1]
  discriminator.onnx: image float32[batch,1,28,28], label int64[batch] -> realism float32[batch] in (0, 1)

Each epoch the EMA generator's BatchNorm statistics are recomputed (cumulative average over 12,800 generated
images) and it is measured as pipelines/bench/gan-quality.yaml measures it (gan_eval.py: 10,000 images,
1,000 per class, z ~ N(0, I), the classifier plugin's CNN as yardstick): label fidelity, FD-clf against 10,000
training images (fd_train) and against the test split (fd_test, reported only). The exported checkpoint is
selected on training data only: the lowest fd_train. Checkpoints (every --ckpt-every iterations and at each
epoch's end) let a killed run resume where it stopped.
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
from torch.nn.utils import spectral_norm, remove_spectral_norm

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from gan_eval import NZ, Yardstick, class_grid, load, onnx_state  # noqa: E402

MODELS = os.path.join(PLUGIN, "src/main/resources/io/genpipe/gan/models")
REFERENCE = os.path.join(PLUGIN, "src/test/resources/reference")
REFERENCE_NAME = "cdcgan-v2.json"
DOCS = os.path.join(PLUGIN, "..", "..", "docs")
PREVIOUS = {  # the first shipped version (DCGAN, BCE, 12 epochs), measured by gan-quality.yaml
    "arch": "DCGAN 128x7x7 -> 64x14x14 -> 1x28x28, BCE, 12 epochs (epoch 11 exported)",
    "generator": {"bytes": 3320109, "sha256": "c9a9546b8f9feeb51d2e251fe595f8204d851b7efadcecf92877afbd26b0c17d"},
    "discriminator": {"bytes": 593083, "sha256": "366f564ec8d7226b3e8382a936147123332f1e63ffb966b9e830c16faadc2208"},
    "genpipe_bench": {"label_fidelity": 0.9137, "fd_clf": 9.26, "fd_clf_floor": 0.45},
}


# ---------------------------------------------------------------- the first version, kept to measure it
class DcganGenerator(nn.Module):
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


# ---------------------------------------------------------------- v2
class CondBatchNorm(nn.Module):
    """BatchNorm without affine parameters, then a per-class gain (initialised to 1) and bias (0)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.bn = nn.BatchNorm2d(c, affine=False)
        self.gain = nn.Embedding(10, c)
        self.bias = nn.Embedding(10, c)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x, label):
        return self.bn(x) * self.gain(label).reshape(-1, self.c, 1, 1) + self.bias(label).reshape(-1, self.c, 1, 1)


class Generator(nn.Module):
    def __init__(self, ch=(256, 128, 64), embed=32):
        super().__init__()
        c1, c2, c3 = ch
        self.ch = tuple(ch)
        self.embed = nn.Embedding(10, embed)
        self.fc = nn.Linear(NZ + embed, c1 * 7 * 7)
        self.bn1 = CondBatchNorm(c1)
        self.up1 = nn.ConvTranspose2d(c1, c2, 4, 2, 1, bias=False)
        self.bn2 = CondBatchNorm(c2)
        self.up2 = nn.ConvTranspose2d(c2, c3, 4, 2, 1, bias=False)
        self.bn3 = CondBatchNorm(c3)
        self.out = nn.Conv2d(c3, 1, 3, 1, 1)

    def forward(self, z, label):
        h = self.fc(torch.cat([z, self.embed(label)], 1)).reshape(z.shape[0], self.ch[0], 7, 7)
        h = self.up1(F.relu(self.bn1(h, label)))
        h = self.up2(F.relu(self.bn2(h, label)))
        return torch.tanh(self.out(F.relu(self.bn3(h, label))))


class Discriminator(nn.Module):
    def __init__(self, ch=(64, 128, 256), sn=True):
        super().__init__()
        d1, d2, d3 = ch
        self.ch = tuple(ch)
        w = spectral_norm if sn else (lambda m: m)
        self.c1 = w(nn.Conv2d(1, d1, 4, 2, 1))
        self.c2 = w(nn.Conv2d(d1, d2, 4, 2, 1))
        self.c3 = w(nn.Conv2d(d2, d3, 3, 1, 1))
        self.fc = w(nn.Linear(d3, 1))
        self.embed = w(nn.Embedding(10, d3))

    def forward(self, image, label):
        h = F.leaky_relu(self.c1(image), 0.1)
        h = F.leaky_relu(self.c2(h), 0.1)
        h = F.leaky_relu(self.c3(h), 0.1).sum(dim=(2, 3))
        return self.fc(h).reshape(-1) + (self.embed(label) * h).sum(1)


class ExportGenerator(nn.Module):
    """z, label -> image in [0, 1]."""

    def __init__(self, g):
        super().__init__()
        self.g = g

    def forward(self, z, label):
        return (self.g(z, label) + 1) / 2


class ExportDiscriminator(nn.Module):
    """image in [0, 1], label -> sigmoid of the hinge discriminator's output."""

    def __init__(self, d):
        super().__init__()
        self.d = d

    def forward(self, image, label):
        return torch.sigmoid(self.d(image * 2 - 1, label))


def plain_discriminator(d):
    """A copy of d with spectral norm folded into the weights (W / sigma with the stored u, v)."""
    plain = copy.deepcopy(d).eval()
    for name in ("c1", "c2", "c3", "fc", "embed"):
        m = getattr(plain, name)
        if hasattr(m, "weight_orig"):
            with torch.no_grad():
                # the eval-mode weight: no power iteration, the stored u and v
                weight = m.weight_orig / torch.dot(m.weight_u, torch.mv(m.weight_orig.reshape(m.weight_orig.shape[0], -1), m.weight_v))
            remove_spectral_norm(m)
            with torch.no_grad():
                m.weight.copy_(weight)
    return plain


def generator_from_onnx(path):
    """Rebuilds the v2 generator from an exported ONNX file (architecture from its metadata, weights from its
    initializers named g.*)."""
    meta = {p.key: p.value for p in onnx.load(path).metadata_props}
    arch = json.loads(meta["genpipe.gan.arch"])
    g = Generator(tuple(arch["generator"]), arch["embed"])
    state = onnx_state(path, "g.")
    missing = [k for k in g.state_dict() if k not in state and not k.endswith("num_batches_tracked")]
    if missing:
        raise ValueError("%s lacks initializers for %s" % (path, missing))
    g.load_state_dict({k: v for k, v in state.items() if k in g.state_dict()}, strict=False)
    return g.eval()


@torch.no_grad()
def recalibrate(g, seed=4321, batches=64, batch=200):
    """Recomputes g's BatchNorm running statistics as the cumulative average over generated batches (for the
    EMA generator, whose weights never ran in training mode)."""
    gen = torch.Generator().manual_seed(seed)
    bns = [m for m in g.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    g.train()
    for _ in range(batches):
        g(torch.randn(batch, NZ, generator=gen), torch.randint(0, 10, (batch,), generator=gen))
    for m in bns:
        m.momentum = 0.1
    g.eval()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def export(g, d, info, args):
    """Writes the ONNX files, the parity reference and the grid for the selected state."""
    g = copy.deepcopy(g).eval()
    d = plain_discriminator(d)
    os.makedirs(MODELS, exist_ok=True)
    gen_path, dis_path = os.path.join(MODELS, "cdcgan-generator.onnx"), os.path.join(MODELS, "cdcgan-discriminator.onnx")
    z = torch.randn(10, NZ, generator=torch.Generator().manual_seed(99))
    labels = torch.arange(10)
    eg, ed = ExportGenerator(g).eval(), ExportDiscriminator(d).eval()
    with torch.no_grad():
        # the wrappers must be in eval mode too: export restores the mode it found, recursively,
        # and a wrapper left in training mode would put the BatchNorms back into batch statistics
        torch.onnx.export(eg, (z, labels), gen_path, input_names=["z", "label"], output_names=["image"],
                          dynamic_axes={"z": {0: "batch"}, "label": {0: "batch"}, "image": {0: "batch"}},
                          opset_version=17, do_constant_folding=True)
        images = eg(z, labels)
        torch.onnx.export(ed, (images, labels), dis_path, input_names=["image", "label"], output_names=["realism"],
                          dynamic_axes={"image": {0: "batch"}, "label": {0: "batch"}, "realism": {0: "batch"}},
                          opset_version=17, do_constant_folding=True)
        realism = ed(images, labels)
    arch = {"generator": list(g.ch), "embed": g.embed.embedding_dim, "discriminator": list(d.ch),
            "loss": "hinge", "conditioning": "conditional BN (G), projection (D), spectral norm (D)",
            "ema": args.ema}
    meta = {"genpipe.family": "gan", "genpipe.train.data": "fashion-mnist train (60000)",
            "genpipe.train.epochs": str(info["epoch"]), "genpipe.train.seed": str(args.seed),
            "genpipe.train.label_fidelity": "%.4f" % info["label_fidelity"],
            "genpipe.train.fd_clf_train": "%.4f" % info["fd_train"],
            "genpipe.train.torch": torch.__version__, "genpipe.train.onnx": onnx.__version__,
            "genpipe.gan.noise_dim": str(NZ), "genpipe.gan.arch": json.dumps(arch)}
    for path in (gen_path, dis_path):
        m = onnx.load(path)
        onnx.helper.set_model_props(m, meta)
        onnx.checker.check_model(m)
        onnx.save(m, path)
    # the ONNX weights read back into torch give the same images (bench_torch.py relies on this)
    back = generator_from_onnx(gen_path)
    with torch.no_grad():
        assert torch.allclose((back(z, labels) + 1) / 2, images, atol=1e-6)
    os.makedirs(REFERENCE, exist_ok=True)
    with open(os.path.join(REFERENCE, REFERENCE_NAME), "w") as f:
        json.dump({"z": z.tolist(), "labels": labels.tolist(), "images": images.reshape(10, -1).tolist(),
                   "realism": realism.tolist(), "tolerance": 1e-4}, f)
    class_grid(lambda zz, yy: eg(zz, yy), os.path.join(DOCS, "gan-grid-after.png"))
    files = {}
    for name, path in (("generator", gen_path), ("discriminator", dis_path)):
        files[name] = {"bytes": os.path.getsize(path), "sha256": sha256(path)}
    return arch, files


def save_ckpt(path, state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--betas", type=float, nargs=2, default=(0.5, 0.999))
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--ema-start", type=int, default=1000, help="iterations before the EMA starts averaging")
    p.add_argument("--g-ch", type=int, nargs=3, default=(256, 128, 64))
    p.add_argument("--d-ch", type=int, nargs=3, default=(64, 128, 256))
    p.add_argument("--ckpt", required=True, help="folder for checkpoints (resumed from when present)")
    p.add_argument("--ckpt-every", type=int, default=300)
    p.add_argument("--limit", type=int, default=None, help="smoke tests: use this many training images")
    p.add_argument("--eval-per-class", type=int, default=1000)
    p.add_argument("--export-only", action="store_true")
    p.add_argument("--no-export", action="store_true")
    p.add_argument("--out", default=None, help="write models, reference, grid and card here instead of the plugin")
    args = p.parse_args()
    if args.out:
        global MODELS, REFERENCE, HERE, DOCS
        MODELS = REFERENCE = DOCS = HERE = args.out
        os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(args.threads)
    os.makedirs(args.ckpt, exist_ok=True)
    last_path, best_path = os.path.join(args.ckpt, "last.pt"), os.path.join(args.ckpt, "best.pt")
    torch.manual_seed(args.seed)
    x, y = load("train")
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    x = x * 2 - 1
    g, d = Generator(tuple(args.g_ch)), Discriminator(tuple(args.d_ch))
    g_ema = copy.deepcopy(g)
    for q in g_ema.parameters():
        q.requires_grad_(False)
    opt_g = torch.optim.Adam(g.parameters(), lr=args.lr, betas=tuple(args.betas))
    opt_d = torch.optim.Adam(d.parameters(), lr=args.lr, betas=tuple(args.betas))
    rng = np.random.default_rng(args.seed)
    state = {"epoch": 0, "pos": 0, "iteration": 0, "order": None, "history": [], "best": None, "minutes": 0.0}
    if os.path.exists(last_path):
        ck = torch.load(last_path)
        g.load_state_dict(ck["g"])
        d.load_state_dict(ck["d"])
        g_ema.load_state_dict(ck["g_ema"])
        opt_g.load_state_dict(ck["opt_g"])
        opt_d.load_state_dict(ck["opt_d"])
        torch.set_rng_state(ck["torch_rng"])
        rng.bit_generator.state = ck["np_rng"]
        state = ck["state"]
        print("resumed at epoch %d position %d (iteration %d)" % (state["epoch"], state["pos"], state["iteration"]), flush=True)

    def checkpoint():
        save_ckpt(last_path, {"g": g.state_dict(), "d": d.state_dict(), "g_ema": g_ema.state_dict(),
                              "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
                              "torch_rng": torch.get_rng_state(), "np_rng": rng.bit_generator.state,
                              "state": state, "args": vars(args)})

    yardstick = None
    if not args.export_only:
        yardstick = Yardstick()
        print("FD-clf floor (10,000 train vs test): %.4f" % yardstick.floor(), flush=True)
    while not args.export_only and state["epoch"] < args.epochs:
        if state["order"] is None:
            state["order"] = rng.permutation(len(x))
            state["pos"] = 0
        order = state["order"]
        t0, sums, n, last_ck = time.time(), [0.0, 0.0], 0, time.time()
        g.train()
        d.train()
        while state["pos"] + args.batch <= len(order):
            idx = order[state["pos"]:state["pos"] + args.batch]
            real = torch.from_numpy(x[idx])
            labels = torch.from_numpy(y[idx])
            z = torch.randn(len(idx), NZ)
            fake_labels = torch.randint(0, 10, (len(idx),))
            fake = g(z, fake_labels)
            d_loss = F.relu(1 - d(real, labels)).mean() + F.relu(1 + d(fake.detach(), fake_labels)).mean()
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            g_loss = -d(fake, fake_labels).mean()
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            state["iteration"] += 1
            with torch.no_grad():
                decay = args.ema if state["iteration"] > args.ema_start else 0.0
                for pe, pg in zip(g_ema.parameters(), g.parameters()):
                    pe.mul_(decay).add_(pg, alpha=1 - decay)
            sums[0] += d_loss.item()
            sums[1] += g_loss.item()
            n += 1
            state["pos"] += args.batch
            if state["iteration"] % args.ckpt_every == 0:
                state["minutes"] += (time.time() - last_ck) / 60
                last_ck = time.time()
                checkpoint()
                print("  it %d D %.3f G %.3f (%.0fs)" % (state["iteration"], sums[0] / n, sums[1] / n, time.time() - t0), flush=True)
        state["minutes"] += (time.time() - last_ck) / 60
        train_seconds = time.time() - t0
        recalibrate(g_ema)
        m = yardstick.measure(lambda zz, yy: (g_ema(zz, yy) + 1) / 2, seed=1234, n_per_class=args.eval_per_class)
        state["epoch"] += 1
        entry = {"epoch": state["epoch"], "iteration": state["iteration"], "d_loss": sums[0] / max(n, 1),
                 "g_loss": sums[1] / max(n, 1), **m, "epoch_seconds": round(train_seconds, 1)}
        state["history"].append(entry)
        print("epoch %d D %.3f G %.3f fidelity %.4f fd_train %.3f fd_test %.3f per class %s (%.0fs, eval %.0fs)" % (
            state["epoch"], entry["d_loss"], entry["g_loss"], m["label_fidelity"], m["fd_train"], m["fd_test"],
            m["per_class_fidelity"], train_seconds, time.time() - t0 - train_seconds), flush=True)
        if state["best"] is None or m["fd_train"] < state["best"]["fd_train"]:
            state["best"] = entry
            save_ckpt(best_path, {"g_ema": g_ema.state_dict(), "d": d.state_dict(), "entry": entry, "args": vars(args)})
        state["order"] = None
        state["pos"] = 0
        checkpoint()
    if args.no_export:
        return
    best = torch.load(best_path)
    ck = torch.load(last_path)
    bargs = argparse.Namespace(**best["args"])
    g_best, d_best = Generator(tuple(bargs.g_ch)), Discriminator(tuple(bargs.d_ch))
    g_best.load_state_dict(best["g_ema"])
    d_best.load_state_dict(best["d"])
    arch, files = export(g_best, d_best, best["entry"], bargs)
    st = ck["state"]
    card = {"version": 2, "arch": arch, "epochs": st["epoch"], "iterations": st["iteration"], "seed": bargs.seed,
            "batch": bargs.batch, "optimizer": "Adam lr %g betas %s, both nets, 1 D step per G step" % (bargs.lr, list(bargs.betas)),
            "training_minutes": round(st["minutes"], 1),
            "selection": "lowest FD-clf of the EMA generator against 10,000 training images (fd_train); "
                         "fd_test is reported only",
            "selected": best["entry"], "history": st["history"], "torch": torch.__version__, "onnx": onnx.__version__,
            "reference": "src/test/resources/reference/" + REFERENCE_NAME, "previous": PREVIOUS, **files}
    if os.path.exists(os.path.join(HERE, "card.json")):
        with open(os.path.join(HERE, "card.json")) as f:
            old = json.load(f)
        if old.get("version") != 2:
            card["previous"]["card"] = old
        elif "previous" in old:
            card["previous"] = old["previous"]
    with open(os.path.join(HERE, "card.json"), "w") as f:
        json.dump(card, f, indent=1)
    print("exported epoch %d: %s" % (best["entry"]["epoch"], json.dumps(files)), flush=True)


if __name__ == "__main__":
    main()
