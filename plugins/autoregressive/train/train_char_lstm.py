#!/usr/bin/env python3
"""Trains genpipe's character LSTM on Debian's fortunes corpus and exports it to ONNX.

  apt-get install -y python3-torch python3-onnx libopenblas0-pthread fortunes
  /usr/bin/python3 train_char_lstm.py [--minutes 25] [--out DIR]

The ONNX graph carries the LSTM state explicitly:
  inputs  tokens int64 [batch, seq], h float [layers, batch, hidden], c float [layers, batch, hidden]
  outputs logits float [batch, seq, 97], h_out, c_out (same shapes as h, c)
so a generator feeds one character and the previous state per step instead of recomputing the prefix.
Writes the model, a reference JSON for the Java parity test, and card-char-lstm.json (validation bits/char).
Deterministic given the seed on one machine (2 threads); checkpoints every 500 steps and resumes.
"""
import argparse
import hashlib
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn

import fortunes

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.dirname(HERE)
MODELS = os.path.join(PLUGIN, "src/main/resources/io/genpipe/autoregressive/models")
REFERENCE = os.path.join(PLUGIN, "src/test/resources/reference")


class CharLstm(nn.Module):
    def __init__(self, vocab=97, embed=64, hidden=256, layers=2):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens, h, c):
        y, (h2, c2) = self.lstm(self.embed(tokens), (h, c))
        return self.head(y), h2, c2


def batches(ids, batch, seq, rng):
    ids = torch.tensor(ids, dtype=torch.long)
    while True:
        starts = rng.integers(0, len(ids) - seq - 1, size=batch)
        x = torch.stack([ids[s:s + seq] for s in starts])
        y = torch.stack([ids[s + 1:s + seq + 1] for s in starts])
        yield x, y


def evaluate(model, texts):
    """Bits per character over the validation entries, each scored from a fresh state after EOT,
    counting every character and the closing EOT — the same quantity the Java scorer reports."""
    model.eval()
    total_nll, total_n = 0.0, 0
    with torch.no_grad():
        for t in texts:
            ids = [fortunes.EOT] + fortunes.encode(t) + [fortunes.EOT]
            x = torch.tensor([ids[:-1]])
            y = torch.tensor([ids[1:]])
            h = torch.zeros(model.layers, 1, model.hidden)
            logits, _, _ = model(x, h, h.clone())
            total_nll += nn.functional.cross_entropy(logits[0], y[0], reduction="sum").item()
            total_n += y.shape[1]
    model.train()
    return total_nll / total_n / math.log(2)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=25)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=MODELS)
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "char-lstm.ckpt"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    train, val = fortunes.split()
    ids = fortunes.stream([t for _, t in train])
    model = CharLstm()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    step, history = 0, []
    if os.path.exists(args.checkpoint):
        ck = torch.load(args.checkpoint)
        model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"]); step = ck["step"]; history = ck["history"]
        rng = np.random.default_rng(args.seed + step)
        print("resumed at step", step, flush=True)
    sched_total = args.steps
    start = time.time()
    gen = batches(ids, args.batch, args.seq, rng)
    zeros = torch.zeros(model.layers, args.batch, model.hidden)
    running = None
    while step < sched_total and (time.time() - start) < args.minutes * 60:
        lr = 2e-3 * 0.5 * (1 + math.cos(math.pi * step / sched_total))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = next(gen)
        logits, _, _ = model(x, zeros, zeros)
        loss = nn.functional.cross_entropy(logits.reshape(-1, 97), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 100 == 0:
            print("step %d loss %.3f (%.2f bits/char) %.0fs" % (step, running, running / math.log(2), time.time() - start), flush=True)
        if step % 500 == 0:
            history.append({"step": step, "train_bits_per_char": running / math.log(2)})
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "history": history}, args.checkpoint)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "history": history}, args.checkpoint)

    val_texts = [t for _, t in val]
    val_bpc = evaluate(model, val_texts)
    print("validation bits/char %.4f after %d steps" % (val_bpc, step), flush=True)

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "char-lstm.onnx")
    model.eval()
    wrapper = model.eval()
    b, t = 2, 5
    tok = torch.randint(0, 97, (b, t))
    h0 = torch.randn(model.layers, b, model.hidden) * 0.1
    c0 = torch.randn(model.layers, b, model.hidden) * 0.1
    torch.onnx.export(wrapper, (tok, h0, c0), path, opset_version=17,
                      input_names=["tokens", "h", "c"], output_names=["logits", "h_out", "c_out"],
                      dynamic_axes={"tokens": {0: "batch", 1: "seq"}, "h": {1: "batch"}, "c": {1: "batch"},
                                    "logits": {0: "batch", 1: "seq"}, "h_out": {1: "batch"}, "c_out": {1: "batch"}})
    import onnx
    m = onnx.load(path)
    props = {"genpipe.family": "autoregressive", "genpipe.kind": "char-lstm", "genpipe.vocabulary": "fortunes-97",
             "genpipe.layers": str(model.layers), "genpipe.hidden": str(model.hidden),
             "genpipe.validation_bits_per_char": "%.4f" % val_bpc}
    onnx.helper.set_model_props(m, props)
    onnx.save(m, path)

    # reference for the Java parity test: a batch of two, three steps with carried state, and a scored text
    with torch.no_grad():
        tok = torch.tensor([[0] + fortunes.encode("The ")[:3], [0] + fortunes.encode("You ")[:3]])
        h0 = torch.zeros(model.layers, 2, model.hidden)
        logits, h1, c1 = model(tok, h0, h0.clone())
        nxt = torch.tensor([[fortunes.INDEX["e"]], [fortunes.INDEX["u"]]])
        logits2, h2, c2 = model(nxt, h1, c1)
        greedy, h, c = [], torch.zeros(model.layers, 1, model.hidden), torch.zeros(model.layers, 1, model.hidden)
        prompt = [0] + fortunes.encode("A ")
        lg, h, c = model(torch.tensor([prompt]), h, c)
        for _ in range(60):
            n = int(lg[0, -1].argmax())
            if n == 0:
                break
            greedy.append(n)
            lg, h, c = model(torch.tensor([[n]]), h, c)
    os.makedirs(REFERENCE, exist_ok=True)
    scored = val_texts[:3]
    per_text = []
    for t in scored:
        ids_t = [0] + fortunes.encode(t) + [0]
        with torch.no_grad():
            lg, _, _ = model(torch.tensor([ids_t[:-1]]), torch.zeros(model.layers, 1, model.hidden), torch.zeros(model.layers, 1, model.hidden))
            nll = nn.functional.cross_entropy(lg[0], torch.tensor(ids_t[1:]), reduction="sum").item()
        per_text.append({"text": t, "log_likelihood": -nll, "chars": len(ids_t) - 1})
    with open(os.path.join(REFERENCE, "char-lstm.json"), "w") as f:
        json.dump({"tokens": tok.tolist(), "logits": logits.numpy().round(6).tolist(),
                   "next": nxt.tolist(), "logits2": logits2.numpy().round(6).tolist(),
                   "h2": h2.numpy().round(6).tolist(), "c2": c2.numpy().round(6).tolist(),
                   "greedy_prompt": "A ", "greedy": "".join(fortunes.VOCAB[i] for i in greedy),
                   "scored": per_text}, f)
    card = {"torch": torch.__version__, "onnx": onnx.__version__, "seed": args.seed, "steps": step,
            "batch": args.batch, "seq": args.seq, "layers": model.layers, "hidden": model.hidden, "embed": 64,
            "parameters": sum(p.numel() for p in model.parameters()),
            "train_entries": len(train), "validation_entries": len(val),
            "validation_chars": sum(len(t) + 1 for t in val_texts),
            "validation_bits_per_char": val_bpc, "history": history,
            "bytes": os.path.getsize(path), "sha256": sha256(path)}
    with open(os.path.join(HERE, "card-char-lstm.json"), "w") as f:
        json.dump(card, f, indent=1)
    print(json.dumps({k: v for k, v in card.items() if k != "history"}))


if __name__ == "__main__":
    main()
