#!/usr/bin/env python3
"""PyTorch eager peer for genpipe's GPT speed bench (src/test .../GptSpeedBench).

Rebuilds the GPT of train_gpt.py from the shipped decode graph's weights (named initializers, and
the MatMul weights in forward order: qkv, proj, fc1, fc2 per block, then head; transposed), checks
it against the graph's reference outputs, then decodes greedily with the KV cache: prefill, then one
token per step, end of text held off so every row makes exactly N tokens (genpipe: minTokens = N).
Prints one JSON line: seconds (best of the passes after a warm-up) and the generated ids.

  /usr/bin/python3 bench_torch.py DECODE.onnx N PASSES BATCH PROMPT [PROMPT ...]
"""
import json
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch

from train_gpt import Gpt, fortunes


def load(path):
    m = onnx.load(path)
    init = {i.name: onnx.numpy_helper.to_array(i) for i in m.graph.initializer}
    model = Gpt()
    sd = {}
    for k, v in init.items():
        if k.startswith("gpt."):
            sd[k[4:]] = v
    matmuls = [n.input[1] for n in m.graph.node if n.op_type == "MatMul" and n.input[1] in init]
    names = []
    for i in range(model.layers):
        names += ["blocks.%d.qkv.weight" % i, "blocks.%d.proj.weight" % i, "blocks.%d.fc1.weight" % i, "blocks.%d.fc2.weight" % i]
    names.append("head.weight")
    for name, w in zip(names, matmuls):
        sd[name] = init[w].T
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in sd.items()})
    return model.eval()


def decode(model, prompts, n):
    """Greedy, cached, left-padded batch; end of text suppressed; returns ids per row."""
    rows = [[0] + fortunes.encode(p) for p in prompts]
    length = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), length, dtype=torch.long)
    mask = torch.zeros(len(rows), length, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, length - len(r):] = torch.tensor(r)
        mask[i, length - len(r):] = 1
    out = [[] for _ in rows]
    with torch.no_grad():
        res = model.prefill(ids, mask)
        logits, past = res[0][:, -1], list(res[2:])
        for step in range(n):
            logits[:, 0] = float("-inf")
            nxt = logits.argmax(dim=-1)
            for i in range(len(rows)):
                out[i].append(int(nxt[i]))
            if step == n - 1:
                break
            mask = torch.cat([mask, torch.ones(len(rows), 1, dtype=torch.long)], dim=1)
            res = model.decode(nxt[:, None], mask, *past)
            logits, past = res[0][:, -1], list(res[1:])
    return out


def main():
    torch.set_num_threads(2)
    path, n, passes, batch, prompts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
    model = load(path)
    prompts = (prompts * batch)[:batch]
    best, out = float("inf"), None
    for p in range(passes + 1):
        start = time.perf_counter()
        out = decode(model, prompts, n)
        if p > 0:
            best = min(best, time.perf_counter() - start)
    print(json.dumps({"seconds": best, "tokens": n * batch, "ids": out, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
