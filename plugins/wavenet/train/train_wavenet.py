"""Trains the small WaveNet on the rendered speech (render_speech.py first).

  /usr/bin/python3 train_wavenet.py --minutes 25     # 2 CPU threads; checkpoints to data/wavenet.pt

Each step: 16 windows of 2,510 inputs from clips drawn uniformly: a quarter start at their clip's
first sample (zero padding before it, as at inference), the rest have 510 real samples of context before
2,000 scored targets. Adam 2e-3 decaying to 2e-4 over the time budget, gradients clipped at 1.
Resumes from data/wavenet.pt when present.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import wavenet

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def load(split):
    z = np.load(os.path.join(DATA, split + ".npz"))
    classes, lengths = z["classes"].astype(np.int64), z["lengths"]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return classes, starts, lengths


def batch(rng, data, rf, batch_size, length):
    """Windows of rf - 1 + length inputs. A window either starts at its clip's first sample (the full
    graph's own zero padding before it, as at inference) or has rf - 1 real samples of context before
    its first target; the mask keeps the targets that exist and have their real context."""
    classes, starts, lengths = data
    width = rf - 1 + length
    xs, masks = [], []
    for _ in range(batch_size):
        k = rng.integers(len(lengths))
        s0, n = int(starts[k]), int(lengths[k])
        x = np.full(width + 1, 128, dtype=np.int64)
        m = np.zeros(width, dtype=np.float32)
        if n <= width + 1 or rng.random() < 0.25:
            seg = classes[s0: s0 + min(n, width + 1)]
            x[:len(seg)] = seg
            m[:len(seg) - 1] = 1.0
        else:
            first = int(rng.integers(rf - 1, n - length))  # the first target's position in the clip
            seg = classes[s0 + first - (rf - 1): s0 + min(n, first + length)]
            x[:len(seg)] = seg
            m[rf - 2: len(seg) - 1] = 1.0
        xs.append(x)
        masks.append(m)
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(masks))


def bits_per_sample(net, data, clips, max_len=None):
    classes, starts, lengths = data
    total, count = 0.0, 0
    net.eval()
    with torch.no_grad():
        for k in clips:
            x = torch.from_numpy(classes[starts[k]: starts[k] + lengths[k]][:max_len]).unsqueeze(0)
            logits = net(x[:, :-1])
            nll = F.cross_entropy(logits[0], x[0, 1:], reduction="sum").item()
            total += nll
            count += x.shape[1] - 1
    net.train()
    return total / count / math.log(2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=25)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train = load("train")
    val = load("validation")
    net = wavenet.WaveNet()
    rf = net.receptive_field()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    ckpt = os.path.join(DATA, "wavenet.pt")
    state = {"step": 0, "seconds": 0.0, "history": []}
    if os.path.exists(ckpt):
        saved = torch.load(ckpt)
        net.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        state = saved["state"]
        rng = np.random.default_rng(args.seed + state["step"])
    budget = args.minutes * 60
    probe = list(range(0, len(val[2]), max(1, len(val[2]) // 40)))[:40]
    t0 = time.time() - state["seconds"]
    last_save = time.time()
    running = None
    while time.time() - t0 < budget:
        frac = (time.time() - t0) / budget
        for g in opt.param_groups:
            g["lr"] = 2e-3 * (0.1 ** frac)
        x, m = batch(rng, train, rf, 16, 2000)
        logits = net(x[:, :-1])
        nll = F.cross_entropy(logits.reshape(-1, 256), x[:, 1:].reshape(-1), reduction="none")
        loss = (nll * m.reshape(-1)).sum() / m.sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        state["step"] += 1
        b = loss.item() / math.log(2)
        running = b if running is None else 0.98 * running + 0.02 * b
        if state["step"] % 100 == 0:
            vb = bits_per_sample(net, val, probe, 8000)
            state["history"].append({"step": state["step"], "minutes": round((time.time() - t0) / 60, 1),
                                     "train_bits": round(running, 4), "probe_validation_bits": round(vb, 4)})
            print(json.dumps(state["history"][-1]), flush=True)
        if time.time() - last_save > 120:
            state["seconds"] = time.time() - t0
            torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt)
            last_save = time.time()
    state["seconds"] = time.time() - t0
    state["done"] = True
    torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt)
    print("done", state["step"], "steps", round(state["seconds"] / 60, 1), "min", flush=True)


if __name__ == "__main__":
    main()
