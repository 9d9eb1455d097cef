#!/usr/bin/env python3
"""Trains genpipe's tiny GPT on Debian's fortunes corpus and exports two ONNX graphs.

  apt-get install -y python3-torch python3-onnx libopenblas0-pthread fortunes
  /usr/bin/python3 train_gpt.py [--minutes 25] [--out DIR]

Decoder-only, pre-LayerNorm, multi-head attention written out (torch 1.13 has no fused attention),
sinusoidal positions computed from position ids, the character vocabulary of
plugins/autoregressive/train/fortunes.py (97 symbols, 0 = end of text).

Graphs (same weights):
  gpt-prefill.onnx  input_ids int64 [B,T], attention_mask int64 [B,T] (1 = token, 0 = left padding)
                    -> logits [B,T,97], hidden [B,T,D] (final LayerNorm), present_key_i / present_value_i [B,H,T,Dh]
  gpt-decode.onnx   input_ids int64 [B,1], attention_mask int64 [B,P+1], past_key_i / past_value_i [B,H,P,Dh]
                    -> logits [B,1,97], present_key_i / present_value_i [B,H,P+1,Dh]
Position of a token = number of real tokens before it, so left-padded prompts of different lengths
decode together.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(PLUGIN, "..", "autoregressive", "train"))
import fortunes  # noqa: E402

MODELS = os.path.join(PLUGIN, "src/main/resources/io/genpipe/transformer/models")
REFERENCE = os.path.join(PLUGIN, "src/test/resources/reference")
NEG = -1e4


def positions_from_mask(mask):
    return (torch.cumsum(mask, dim=1) - 1).clamp(min=0)


def sinusoid(pos, dim):
    half = dim // 2
    freq = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) / half))
    angle = pos.to(torch.float32)[..., None] * freq
    return torch.cat([torch.sin(angle), torch.cos(angle)], dim=-1)


class Block(nn.Module):
    def __init__(self, dim, heads, ff):
        super().__init__()
        self.heads, self.dh = heads, dim // heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, ff)
        self.fc2 = nn.Linear(ff, dim)

    def split(self, t):
        b, s, _ = t.shape
        return t.reshape(b, s, self.heads, self.dh).transpose(1, 2)

    def forward(self, x, bias, past_k=None, past_v=None):
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        q, k, v = self.split(q), self.split(k), self.split(v)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.dh)) + bias
        y = torch.matmul(torch.softmax(att, dim=-1), v)
        b, h, s, d = y.shape
        x = x + self.proj(y.transpose(1, 2).reshape(b, s, h * d))
        x = x + self.fc2(F.gelu(self.fc1(self.ln2(x))))
        return x, k, v


class Gpt(nn.Module):
    def __init__(self, vocab=97, dim=128, heads=4, layers=4, ff=512):
        super().__init__()
        self.dim, self.heads, self.layers = dim, heads, layers
        self.embed = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList([Block(dim, heads, ff) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def prefill(self, ids, mask, offset=None):
        t = ids.shape[1]
        pos = positions_from_mask(mask)
        if offset is not None:
            pos = pos + offset[:, None]
        x = self.embed(ids) + sinusoid(pos, self.dim)
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
        allowed = causal[None, None, :, :] & (mask[:, None, None, :] > 0)
        bias = torch.where(allowed, torch.zeros(()), torch.full((), NEG))
        presents = []
        for blk in self.blocks:
            x, k, v = blk(x, bias)
            presents += [k, v]
        hidden = self.ln(x)
        return (self.head(hidden), hidden, *presents)

    def decode(self, ids, mask, *past):
        pos = (mask.sum(dim=1, keepdim=True) - 1)
        x = self.embed(ids) + sinusoid(pos, self.dim)
        bias = torch.where(mask[:, None, None, :] > 0, torch.zeros(()), torch.full((), NEG))
        presents = []
        for i, blk in enumerate(self.blocks):
            x, k, v = blk(x, bias, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        return (self.head(self.ln(x)), *presents)

    def forward(self, ids, offset=None):
        return self.prefill(ids, torch.ones_like(ids), offset)[0]


class Prefill(nn.Module):
    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, ids, mask):
        return self.gpt.prefill(ids, mask)


class Decode(nn.Module):
    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, ids, mask, *past):
        return self.gpt.decode(ids, mask, *past)


def evaluate(model, texts):
    """Mean nats per character over validation entries (each from EOT, counting the closing EOT)."""
    model.eval()
    nll, n = 0.0, 0
    with torch.no_grad():
        for t in texts:
            ids = [0] + fortunes.encode(t) + [0]
            x = torch.tensor([ids[:-1]])
            logits = model(x)
            nll += F.cross_entropy(logits[0], torch.tensor(ids[1:]), reduction="sum").item()
            n += len(ids) - 1
    model.train()
    return nll / n


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def greedy(model, prompt, steps, cached):
    ids = [0] + fortunes.encode(prompt)
    out = []
    with torch.no_grad():
        if cached:
            x = torch.tensor([ids])
            res = model.prefill(x, torch.ones_like(x))
            logits, past = res[0], list(res[2:])
            mask_len = len(ids)
            for _ in range(steps):
                n = int(logits[0, -1].argmax())
                out.append(n)
                mask_len += 1
                res = model.decode(torch.tensor([[n]]), torch.ones(1, mask_len, dtype=torch.long), *past)
                logits, past = res[0], list(res[1:])
        else:
            for _ in range(steps):
                n = int(model(torch.tensor([ids + out]))[0, -1].argmax())
                out.append(n)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=25)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--out", default=MODELS)
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "gpt.ckpt"))
    ap.add_argument("--max-offset", type=int, default=768,
                    help="training windows start at a random position in [0, max-offset): windows are cut anywhere"
                         " in the stream, so absolute position carries no information, and the model meets every"
                         " position a long text reaches")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train, val = fortunes.split()
    ids = torch.tensor(fortunes.stream([t for _, t in train]), dtype=torch.long)
    model = Gpt()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    step, history = 0, []
    if os.path.exists(args.checkpoint):
        ck = torch.load(args.checkpoint)
        model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"]); step = ck["step"]; history = ck["history"]
        rng = np.random.default_rng(args.seed + step)
        print("resumed at step", step, flush=True)
    start, running = time.time(), None
    while step < args.steps and time.time() - start < args.minutes * 60:
        warm = min(1.0, (step + 1) / 100)
        for g in opt.param_groups:
            g["lr"] = 1e-3 * warm * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        starts = rng.integers(0, len(ids) - args.seq - 1, size=args.batch)
        x = torch.stack([ids[s:s + args.seq] for s in starts])
        y = torch.stack([ids[s + 1:s + args.seq + 1] for s in starts])
        offset = torch.from_numpy(rng.integers(0, args.max_offset, size=args.batch)) if args.max_offset > 0 else None
        loss = F.cross_entropy(model(x, offset).reshape(-1, 97), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 50 == 0:
            print("step %d loss %.3f %.0fs" % (step, running, time.time() - start), flush=True)
        if step % 250 == 0:
            history.append({"step": step, "train_nats_per_char": running})
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "history": history}, args.checkpoint)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "history": history}, args.checkpoint)
    val_texts = [t for _, t in val]
    val_nats = evaluate(model, val_texts)
    print("validation %.4f nats/char, perplexity %.3f, %.4f bits/char" % (val_nats, math.exp(val_nats), val_nats / math.log(2)), flush=True)

    model.eval()
    os.makedirs(args.out, exist_ok=True)
    import onnx
    names_present = []
    for i in range(model.layers):
        names_present += ["present_key_%d" % i, "present_value_%d" % i]
    names_past = [n.replace("present", "past") for n in names_present]
    pre = os.path.join(args.out, "gpt-prefill.onnx")
    x = torch.tensor([[0, 5, 6, 7, 8], [0, 0, 0, 9, 10]])
    m = torch.tensor([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]])
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
           "logits": {0: "batch", 1: "seq"}, "hidden": {0: "batch", 1: "seq"}}
    for n in names_present:
        dyn[n] = {0: "batch", 2: "seq"}
    torch.onnx.export(Prefill(model).eval(), (x, m), pre, opset_version=17,
                      input_names=["input_ids", "attention_mask"], output_names=["logits", "hidden"] + names_present,
                      dynamic_axes=dyn)
    dec = os.path.join(args.out, "gpt-decode.onnx")
    with torch.no_grad():
        res = model.prefill(x, m)
    past = list(res[2:])
    xd = torch.tensor([[11], [12]])
    md = torch.cat([m, torch.ones(2, 1, dtype=torch.long)], dim=1)
    dyn = {"input_ids": {0: "batch"}, "attention_mask": {0: "batch", 1: "total"}, "logits": {0: "batch"}}
    for n in names_past:
        dyn[n] = {0: "batch", 2: "past"}
    for n in names_present:
        dyn[n] = {0: "batch", 2: "total"}
    torch.onnx.export(Decode(model).eval(), (xd, md, *past), dec, opset_version=17,
                      input_names=["input_ids", "attention_mask"] + names_past,
                      output_names=["logits"] + names_present, dynamic_axes=dyn)
    props = {"genpipe.family": "transformer", "genpipe.kind": "gpt", "genpipe.vocabulary": "fortunes-97",
             "genpipe.layers": str(model.layers), "genpipe.heads": str(model.heads), "genpipe.dim": str(model.dim),
             "genpipe.validation_nats_per_char": "%.4f" % val_nats}
    for p in (pre, dec):
        mm = onnx.load(p)
        onnx.helper.set_model_props(mm, props)
        onnx.save(mm, p)

    prompts = ["The ", "A man ", "Q:"]
    ref = {"prompts": prompts, "greedy_steps": 80}
    ref["greedy_cached"] = [greedy(model, p, 80, True) for p in prompts]
    ref["greedy_uncached"] = [greedy(model, p, 80, False) for p in prompts]
    with torch.no_grad():
        r = model.prefill(x, m)
        ref["prefill_ids"], ref["prefill_mask"] = x.tolist(), m.tolist()
        ref["prefill_last_logits"] = r[0][:, -1].numpy().round(6).tolist()
        ref["prefill_hidden_mean"] = r[1].mean(dim=2).numpy().round(6).tolist()
        d = model.decode(xd, md, *list(r[2:]))
        ref["decode_ids"] = xd.tolist()
        ref["decode_logits"] = d[0][:, 0].numpy().round(6).tolist()
    scored = []
    for t in val_texts[:3]:
        ids_t = [0] + fortunes.encode(t) + [0]
        with torch.no_grad():
            lg = model(torch.tensor([ids_t[:-1]]))
            nll = F.cross_entropy(lg[0], torch.tensor(ids_t[1:]), reduction="sum").item()
        scored.append({"text": t, "nll": nll, "tokens": len(ids_t) - 1, "perplexity": math.exp(nll / (len(ids_t) - 1))})
    ref["scored"] = scored
    os.makedirs(REFERENCE, exist_ok=True)
    with open(os.path.join(REFERENCE, "gpt.json"), "w") as f:
        json.dump(ref, f)
    for p, g in zip(prompts, ref["greedy_cached"]):
        print(repr(p + "".join(fortunes.VOCAB[i] for i in g)))
    card = {"torch": torch.__version__, "onnx": onnx.__version__, "seed": args.seed, "steps": step,
            "batch": args.batch, "seq": args.seq, "layers": model.layers, "heads": model.heads, "dim": model.dim, "ff": 512,
            "parameters": sum(p.numel() for p in model.parameters()),
            "validation_nats_per_char": val_nats, "validation_perplexity": math.exp(val_nats),
            "validation_bits_per_char": val_nats / math.log(2), "history": history,
            "prefill_bytes": os.path.getsize(pre), "prefill_sha256": sha256(pre),
            "decode_bytes": os.path.getsize(dec), "decode_sha256": sha256(dec),
            "greedy_parity_cached_vs_uncached": ref["greedy_cached"] == ref["greedy_uncached"]}
    with open(os.path.join(HERE, "card-gpt.json"), "w") as f:
        json.dump(card, f, indent=1)
    print(json.dumps({k: v for k, v in card.items() if k != "history"}))


if __name__ == "__main__":
    main()
