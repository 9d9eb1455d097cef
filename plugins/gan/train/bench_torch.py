#!/usr/bin/env python3
"""PyTorch eager peer for genpipe's GAN generation benchmark (GanSpeedBench runs it in the same run).

Rebuilds the shipped generator in torch from the ONNX file's own weights, reads the latents and labels
genpipe drew (raw little-endian float32 [n,100] and int64 [n]), generates the images in batches and prints
one JSON line: {"images": n, "seconds": best of --repeat passes, "checksum": sum of all pixels}.
"""
import argparse
import json
import os
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from train_gan import MODELS, NZ, ExportGenerator, Generator


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--z", required=True)
    p.add_argument("--labels", required=True)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    g = Generator()
    state = {i.name[2:]: torch.from_numpy(numpy_helper.to_array(i).copy())
             for i in onnx.load(os.path.join(MODELS, "cdcgan-generator.onnx")).graph.initializer if i.name.startswith("g.")}
    g.load_state_dict(state)
    model = ExportGenerator(g).eval()
    z = torch.from_numpy(np.fromfile(args.z, dtype="<f4").reshape(-1, NZ))
    labels = torch.from_numpy(np.fromfile(args.labels, dtype="<i8"))
    best, total = None, 0.0
    with torch.no_grad():
        for _ in range(args.repeat + 1):
            t0 = time.perf_counter()
            total = 0.0
            for i in range(0, len(z), args.batch):
                total += float(model(z[i:i + args.batch], labels[i:i + args.batch]).double().sum())
            elapsed = time.perf_counter() - t0
            best = elapsed if best is None else min(best, elapsed)
    print(json.dumps({"images": len(z), "seconds": best, "checksum": total, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
