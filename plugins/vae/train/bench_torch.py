#!/usr/bin/env python3
"""PyTorch eager peer for genpipe's VAE scoring benchmark (VaeSpeedBench runs it in the same run).

Rebuilds the shipped VAE in torch from the ONNX file's own weights (so both sides run the same
parameters), then scores the Fashion-MNIST test split by reconstruction error exactly as genpipe's
vae-anomaly-scorer does (encode, decode the posterior mean, squared-error sum per image), and prints
one JSON line: {"images": n, "seconds": s, "images_per_s": r, "checksum": sum of scores}.

  /usr/bin/python3 bench_torch.py --variant one-class --cls 0 --batch 256 --threads 2
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_vae import ConvVae, MlpVae, MODELS, read_idx  # noqa: E402


def load(variant, cls):
    if variant == "mlp":
        model, prefix = MlpVae(20), os.path.join(MODELS, "mlp-vae")
    else:
        model, prefix = ConvVae(16), os.path.join(MODELS, "one-class", "one-class-%d" % cls)
    state = {}
    for part in ("encoder", "decoder"):
        for init in onnx.load(prefix + "-" + part + ".onnx").graph.initializer:
            if init.name.startswith("vae."):
                state[init.name[4:]] = torch.from_numpy(numpy_helper.to_array(init).copy())
    model.load_state_dict(state)
    return model.eval()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--variant", default="one-class")
    p.add_argument("--cls", type=int, default=0)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../data/fashion-mnist"))
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    images = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    x_all = torch.from_numpy(images.reshape(-1, 1, 28, 28))
    model = load(args.variant, args.cls)
    best = None
    with torch.no_grad():
        for _ in range(args.repeat + 1):  # the first pass warms up
            t0 = time.perf_counter()
            total = 0.0
            for i in range(0, len(x_all), args.batch):
                x = x_all[i:i + args.batch]
                mu, _ = model.encode(x)
                scores = ((model.decode(mu) - x) ** 2).sum(dim=(1, 2, 3))
                total += float(scores.double().sum())
            elapsed = time.perf_counter() - t0
            best = elapsed if best is None else min(best, elapsed)
    print(json.dumps({"images": len(x_all), "seconds": best, "images_per_s": len(x_all) / best, "checksum": total,
                      "torch": torch.__version__, "threads": args.threads, "batch": args.batch}))


if __name__ == "__main__":
    main()
