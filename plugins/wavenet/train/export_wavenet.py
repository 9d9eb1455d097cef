"""Exports the trained WaveNet (data/wavenet.pt) to ONNX, measures it, and writes the parity references.

  /usr/bin/python3 export_wavenet.py

Writes
  src/main/resources/io/genpipe/wavenet/models/wavenet.onnx       tokens int64[batch,samples] -> logits float32[batch,samples,256]
  src/main/resources/io/genpipe/wavenet/models/wavenet-step.onnx  token int64[batch,1], state_0..1 (one packed queue per
                                                                   stack, step_graph.py) -> logits[batch,256], state_out_0..1
  src/test/resources/reference/wavenet.json   torch's greedy full-sequence decode and bits per sample of bundled clips
  train/card-wavenet.json                      sizes, sha256, validation bits per sample beside baselines, torch speed
"""
import hashlib
import json
import math
import os
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F

import speech
import step_graph
import wavenet
from train_wavenet import load, bits_per_sample

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "src", "main", "resources", "io", "genpipe", "wavenet", "models")
REFERENCE = os.path.join(HERE, "..", "src", "test", "resources", "reference")
CLIPS = os.path.join(HERE, "..", "..", "..", "data", "speech", "clips")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def counts_bits(train, val, clips, order):
    """Bits per sample of a unigram (order 0) or bigram (order 1) count model, add-one smoothed."""
    classes, starts, lengths = train
    if order == 0:
        c = np.bincount(classes, minlength=256).astype(np.float64) + 1
        logp = np.log2(c / c.sum())
    else:
        c = np.ones((256, 256))
        for s, n in zip(starts, lengths):
            x = classes[s:s + n]
            np.add.at(c, (x[:-1], x[1:]), 1)
        logp = np.log2(c / c.sum(axis=1, keepdims=True))
    vc, vs, vl = val
    total, count = 0.0, 0
    for k in clips:
        x = vc[vs[k]:vs[k] + vl[k]]
        total -= (logp[x[1:]] if order == 0 else logp[x[:-1], x[1:]]).sum()
        count += len(x) - 1
    return total / count


def main():
    torch.set_num_threads(2)
    saved = torch.load(os.path.join(HERE, "data", "wavenet.pt"))
    net = wavenet.WaveNet()
    net.load_state_dict(saved["model"])
    net.eval()
    step = wavenet.Step(net)
    os.makedirs(MODELS, exist_ok=True)
    full_path = os.path.join(MODELS, "wavenet.onnx")
    step_path = os.path.join(MODELS, "wavenet-step.onnx")
    with torch.no_grad():
        torch.onnx.export(net, torch.randint(0, 256, (2, 600)), full_path, opset_version=17,
                          input_names=["tokens"], output_names=["logits"],
                          dynamic_axes={"tokens": {0: "batch", 1: "samples"}, "logits": {0: "batch", 1: "samples"}})
    meta = {"genpipe.family": "wavenet", "genpipe.receptive_field": str(net.receptive_field()),
            "genpipe.dilations": ",".join(str(d) for d in net.dilations), "genpipe.sample_rate": "8000"}
    m = onnx.load(full_path)
    m.producer_name = "genpipe-wavenet"
    for k, v in meta.items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    onnx.save(m, full_path)
    # the step graph, written node by node in its lean form (step_graph.py; export_step.py re-exports it
    # from the shipped wavenet.onnx and checks it against wavenet.Step)
    meta["genpipe.full_model_sha256"] = sha256(full_path)
    meta["genpipe.step.state_layout"] = "packed-per-stack"
    meta["genpipe.step.stacks"] = ";".join(",".join(str(d) for d in st) for st in step_graph.stacks_of(net.dilations))
    meta["genpipe.step.channels"] = str(net.residual)
    onnx.save(step_graph.build(net, meta), step_path)

    # validation bits per sample and baselines, on every 4th validation clip (198 clips)
    train, val = load("train"), load("validation")
    subset = list(range(0, len(val[2]), 4))
    vbits = bits_per_sample(net, val, subset)
    val_samples = int(sum(val[2][k] - 1 for k in subset))
    unigram = counts_bits(train, val, subset, 0)
    bigram = counts_bits(train, val, subset, 1)

    # parity references from the bundled clips (read back from their WAVs)
    files = sorted(os.listdir(CLIPS))
    score_refs = []
    with torch.no_grad():
        for name in files[:4]:
            x = torch.from_numpy(speech.read_wav_classes(os.path.join(CLIPS, name))).unsqueeze(0)
            logits = net(x[:, :-1])
            nll = F.cross_entropy(logits[0], x[0, 1:], reduction="sum").item()
            score_refs.append({"file": name, "samples": int(x.shape[1]),
                               "bits_per_sample": nll / (x.shape[1] - 1) / math.log(2), "log_likelihood": -nll})
        prompt = speech.read_wav_classes(os.path.join(CLIPS, files[0]))[:800]
        seq = torch.from_numpy(prompt).unsqueeze(0)
        margins = []
        for _ in range(400):
            last = net(seq)[0, -1]
            top = torch.topk(last, 2).values
            margins.append((top[0] - top[1]).item())
            seq = torch.cat([seq, last.argmax().view(1, 1)], dim=1)
        greedy = seq[0, 800:].tolist()

        # torch eager speed: the cached step at batch 1 and 16, and recomputing the receptive field at batch 1
        speed = {}
        for b in (1, 16):
            s = step.zero_states(b)
            tok = torch.full((b, 1), 128, dtype=torch.int64)
            n = 2000 if b == 1 else 500
            t0 = time.time()
            for _ in range(n):
                out = step(tok, *s)
                s = list(out[1:])
                tok = out[0].argmax(dim=1, keepdim=True)
            speed["torch_eager_cached_step_batch%d_samples_per_s" % b] = round(b * n / (time.time() - t0), 1)
        window = torch.full((1, net.receptive_field()), 128, dtype=torch.int64)
        t0 = time.time()
        for _ in range(100):
            nxt = net(window)[0, -1].argmax().view(1, 1)
            window = torch.cat([window[:, 1:], nxt], dim=1)
        speed["torch_eager_recompute_batch1_samples_per_s"] = round(100 / (time.time() - t0), 1)

    os.makedirs(REFERENCE, exist_ok=True)
    with open(os.path.join(REFERENCE, "wavenet.json"), "w") as f:
        json.dump({"prompt_file": files[0], "prompt_samples": 800, "greedy": greedy,
                   "min_top2_margin": min(margins), "scores": score_refs}, f)
    card = {
        "torch": torch.__version__, "onnx": onnx.__version__, "seed": 7,
        "architecture": "WaveNet: embedding 256->32, 2 stacks x dilations 1..128 (kernel 2, gated tanh*sigmoid,"
                        " 32 residual / 32 gate / 64 skip channels), head relu-1x1(64)-relu-1x1(256)",
        "receptive_field": net.receptive_field(), "parameters": sum(p.numel() for p in net.parameters()),
        "data": "espeak-ng speech from fortunes texts, 8 kHz 8-bit mu-law; train %d clips (%.2f h)"
                % (len(train[2]), train[2].sum() / 8000 / 3600),
        "steps": saved["state"]["step"], "minutes": round(saved["state"]["seconds"] / 60, 1),
        "batch": "16 windows x 2,000 targets", "history": saved["state"]["history"],
        "validation_clips": len(subset), "validation_samples": val_samples,
        "validation_bits_per_sample": vbits, "baseline_uniform_bits": 8.0,
        "baseline_unigram_bits": unigram, "baseline_bigram_bits": bigram,
        "speed_torch_2_threads": speed,
        "models": {os.path.basename(p): {"bytes": os.path.getsize(p), "sha256": sha256(p)} for p in (full_path, step_path)},
        "greedy_reference_min_top2_margin": min(margins),
    }
    with open(os.path.join(HERE, "card-wavenet.json"), "w") as f:
        json.dump(card, f, indent=1)
        f.write("\n")
    print(json.dumps({k: v for k, v in card.items() if k != "history"}, indent=1))


if __name__ == "__main__":
    main()
