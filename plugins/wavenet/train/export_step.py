#!/usr/bin/env python3
"""Re-exports the shipped WaveNet's step graph in the lean form of step_graph.py (no retraining).

  /usr/bin/python3 export_step.py

The weights are read from the shipped full graph (models/wavenet.onnx, whose initializers carry the torch
state-dict names), so the step graph is made from exactly the model the full graph is. Checks, all in
torch / numpy (no Python onnxruntime here):
  1. the lean step (step_graph.LeanStep, torch) against the existing step function (wavenet.Step) for
     --steps steps, teacher-forced on a bundled clip, from zero states and from random states (packed the
     same), float32 and float64: max |logits difference| and max |state difference|;
  2. the written ONNX graph, run by step_graph.run_numpy, against LeanStep on the same steps;
  3. greedy continuation (800-sample prompt of speech-000.wav, 400 samples) by wavenet.Step, LeanStep and
     the ONNX graph, against the torch full-sequence greedy decode in reference/wavenet.json; sampled
     continuations (softmax, inverse CDF on fixed uniforms, seed 11) by the three, compared token for token.
Writes models/wavenet-step.onnx, src/test/resources/reference/wavenet-step.json and updates
card-wavenet.json (node counts before / after, the previous step graph's sha256, the parity figures).
"""
import collections
import hashlib
import json
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

import speech
import step_graph
import wavenet

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "src", "main", "resources", "io", "genpipe", "wavenet", "models")
REFERENCE = os.path.join(HERE, "..", "src", "test", "resources", "reference")
CLIPS = os.path.join(HERE, "..", "..", "..", "data", "speech", "clips")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_net(full_path):
    net = wavenet.WaveNet()
    state = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in onnx.load(full_path).graph.initializer}
    want = net.state_dict()
    missing = [k for k in want if k not in state]
    # res.15 (the last layer's residual) feeds nothing, so the full graph's export pruned it
    assert missing in ([], ["res.15.weight", "res.15.bias"]), missing
    for k in missing:
        state[k] = torch.zeros_like(want[k])
    net.load_state_dict({k: state[k] for k in want})
    return net.eval()


def op_counts(model):
    return dict(sorted(collections.Counter(n.op_type for n in model.graph.node).items(), key=lambda kv: -kv[1]))


def pick(logits, u, temperature=1.0):
    """Inverse CDF of softmax(logits / T) at uniform u, in float64."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    p = np.exp(z - z.max())
    c = np.cumsum(p / p.sum())
    return int(min(np.searchsorted(c, u, side="right"), len(c) - 1))


def main():
    torch.set_num_threads(2)
    full_path = os.path.join(MODELS, "wavenet.onnx")
    step_path = os.path.join(MODELS, "wavenet-step.onnx")
    old_model = onnx.load(step_path)
    old_meta = {p.key: p.value for p in old_model.metadata_props}
    old_sha, old_bytes, old_ops = sha256(step_path), os.path.getsize(step_path), op_counts(old_model)
    assert old_meta["genpipe.full_model_sha256"] == sha256(full_path)
    card_path = os.path.join(HERE, "card-wavenet.json")
    card = json.load(open(card_path))
    previous = {"nodes": len(old_model.graph.node), "ops": old_ops, "bytes": old_bytes, "sha256": old_sha,
                "ports": "token int64[batch,1], state_0..15 float32[batch,32,d_i] -> logits float32[batch,256], state_out_0..15"}
    if "genpipe.step.state_layout" in old_meta:  # rerun: the file is already the lean graph
        previous = card["step_graph"]["previous"]
    net = load_net(full_path)
    step = wavenet.Step(net).eval()
    lean = step_graph.LeanStep(net)
    _, sizes = step_graph.layout(net.dilations)

    meta = dict(old_meta)
    meta["genpipe.step.state_layout"] = "packed-per-stack"
    meta["genpipe.step.stacks"] = ";".join(",".join(str(d) for d in st) for st in step_graph.stacks_of(net.dilations))
    meta["genpipe.step.channels"] = str(net.residual)
    model = step_graph.build(net, meta)

    clip = speech.read_wav_classes(os.path.join(CLIPS, "speech-000.wav"))
    n_steps = 400
    tokens = torch.from_numpy(clip[:n_steps].astype(np.int64)).reshape(1, n_steps, 1)
    report = {}
    with torch.no_grad():
        # 1. lean torch vs the existing step function, float32 and float64, zero and random start states
        for dtype in (torch.float32, torch.float64):
            net_t = wavenet.WaveNet()
            net_t.load_state_dict(net.state_dict())
            net_t = net_t.to(dtype).eval()
            st_t, ln_t = wavenet.Step(net_t), step_graph.LeanStep(net_t)
            for start in ("zero", "random"):
                g = torch.Generator().manual_seed(5)
                if start == "zero":
                    old_states = [s.to(dtype) for s in st_t.zero_states(2)]
                else:
                    old_states = [torch.randn(2, net.residual, d, generator=g).to(dtype) for d in net.dilations]
                states = ln_t.pack(old_states)
                tok = torch.cat([tokens[0], torch.from_numpy(clip[1000:1000 + n_steps].astype(np.int64)).reshape(n_steps, 1)], 1)
                dl = ds = ml = 0.0
                argmax_same = 0
                for t in range(n_steps):
                    x = tok[t].reshape(2, 1)
                    o = st_t(x, *old_states)
                    l = ln_t(x, *states)
                    old_states, states = list(o[1:]), list(l[1:])
                    dl = max(dl, (o[0] - l[0]).abs().max().item())
                    ml = max(ml, o[0].abs().max().item())
                    ds = max(ds, max((a - b).abs().max().item() for a, b in zip(old_states, ln_t.unpack(states))))
                    argmax_same += int((o[0].argmax(1) == l[0].argmax(1)).all())
                key = "lean_vs_step_%s_%s_start" % (str(dtype).split(".")[1], start)
                report[key] = {"steps": n_steps, "batch": 2, "max_abs_logits_diff": dl, "max_abs_state_diff": ds,
                               "max_abs_logit": ml,
                               "steps_with_equal_argmax": argmax_same}
                print(key, report[key], flush=True)

        # 2. the ONNX graph (numpy interpreter) vs lean torch, zero start, the clip's first 400 tokens
        states = lean.zero_states(1)
        np_states = [s.numpy() for s in states]
        dl = ds = 0.0
        step_logits = {}
        for t in range(n_steps):
            x = tokens[0, t].reshape(1, 1)
            l = lean(x, *states)
            states = list(l[1:])
            o = step_graph.run_numpy(model, {"token": x.numpy(), **{"state_%d" % k: s for k, s in enumerate(np_states)}})
            np_states = o[1:]
            dl = max(dl, float(np.abs(o[0] - l[0].numpy()).max()))
            ds = max(ds, max(float(np.abs(a - b.numpy()).max()) for a, b in zip(np_states, states)))
            if t in (0, 1, 9, 99, 399):
                step_logits[str(t)] = l[0][0].tolist()
        report["onnx_numpy_vs_lean"] = {"steps": n_steps, "max_abs_logits_diff": dl, "max_abs_state_diff": ds}
        print("onnx_numpy_vs_lean", report["onnx_numpy_vs_lean"], flush=True)
        final_state_sums = [float(s.double().sum()) for s in states]

        # 3. greedy and sampled continuations by the three
        ref = json.load(open(os.path.join(REFERENCE, "wavenet.json")))
        prompt = clip[:ref["prompt_samples"]].astype(np.int64)
        uniforms = np.random.default_rng(11).random(len(ref["greedy"])).tolist()

        def continue_with(fn, init, mode):
            s = init
            seq = list(prompt)
            margins = []
            for t in range(len(prompt) + len(ref["greedy"]) - 1):
                logits, s = fn(seq[t], s)
                if t + 1 >= len(prompt):
                    if mode == "greedy":
                        top = np.sort(logits)[-2:]
                        margins.append(float(top[1] - top[0]))
                        seq.append(int(np.argmax(logits)))
                    else:
                        seq.append(pick(logits, uniforms[t + 1 - len(prompt)]))
            return seq[len(prompt):], (min(margins) if margins else None)

        def old_fn(tok, s):
            o = step(torch.tensor([[tok]]), *s)
            return o[0][0].numpy(), list(o[1:])

        def lean_fn(tok, s):
            o = lean(torch.tensor([[tok]]), *s)
            return o[0][0].numpy(), list(o[1:])

        def onnx_fn(tok, s):
            o = step_graph.run_numpy(model, {"token": np.array([[tok]], dtype=np.int64),
                                             **{"state_%d" % k: v for k, v in enumerate(s)}})
            return o[0][0], o[1:]

        runs = {}
        for mode in ("greedy", "sampled"):
            runs[mode] = {
                "step": continue_with(old_fn, step.zero_states(1), mode),
                "lean": continue_with(lean_fn, lean.zero_states(1), mode),
                "onnx": continue_with(onnx_fn, [s.numpy() for s in lean.zero_states(1)], mode),
            }
        g = runs["greedy"]
        report["greedy"] = {"samples": len(ref["greedy"]),
                            "step_equals_torch_full_sequence_reference": g["step"][0] == ref["greedy"],
                            "lean_equals_reference": g["lean"][0] == ref["greedy"],
                            "onnx_equals_reference": g["onnx"][0] == ref["greedy"],
                            "min_top2_margin": g["lean"][1]}
        s = runs["sampled"]
        report["sampled"] = {"samples": len(uniforms), "uniform_seed": 11, "temperature": 1.0,
                             "lean_equals_step": s["lean"][0] == s["step"][0],
                             "onnx_equals_step": s["onnx"][0] == s["step"][0]}
        print("greedy", report["greedy"], "sampled", report["sampled"], flush=True)
        assert all(v for k, v in report["greedy"].items() if k.endswith("reference"))
        assert report["sampled"]["lean_equals_step"] and report["sampled"]["onnx_equals_step"]

    onnx.save(model, step_path)
    new_ops = op_counts(model)
    with open(os.path.join(REFERENCE, "wavenet-step.json"), "w") as f:
        json.dump({
            "prompt_file": "speech-000.wav", "prompt_samples": ref["prompt_samples"], "greedy": g["lean"][0],
            "min_top2_margin": g["lean"][1],
            "sampled": {"uniforms": uniforms, "temperature": 1.0, "tokens": s["lean"][0],
                        "rule": "token = smallest k with cumsum(softmax(logits / temperature))[k] > u"},
            "state_layout": {"inputs": ["state_%d" % k for k in range(len(sizes))],
                             "outputs": ["state_out_%d" % k for k in range(len(sizes))],
                             "widths": [net.residual * S for S in sizes],
                             "stacks": step_graph.stacks_of(net.dilations), "channels": net.residual},
            "steps": {"from": "zero states, batch 1", "tokens": clip[:n_steps].astype(int).tolist(),
                      "logits_at": step_logits, "final_state_sums": final_state_sums},
            "tolerance": 1e-4}, f)
        f.write("\n")
    card["models"]["wavenet-step.onnx"] = {"bytes": os.path.getsize(step_path), "sha256": sha256(step_path)}
    card["step_graph"] = {
        "version": 2, "made_by": "train/export_step.py (weights read from wavenet.onnx)",
        "form": "lean: queues packed per stack, static slices, one gate Gemm + Split per layer, one skip Gemm,"
                " no Constant nodes",
        "nodes": len(model.graph.node), "ops": new_ops, "initializers": len(model.graph.initializer),
        "ports": {"inputs": ["token int64[batch,1]"] + ["state_%d float32[batch,%d]" % (k, net.residual * S) for k, S in enumerate(sizes)],
                  "outputs": ["logits float32[batch,256]"] + ["state_out_%d float32[batch,%d]" % (k, net.residual * S) for k, S in enumerate(sizes)]},
        "parity": report, "reference": "src/test/resources/reference/wavenet-step.json",
        "previous": previous,
        "torch": torch.__version__, "onnx": onnx.__version__,
    }
    with open(card_path, "w") as f:
        json.dump(card, f, indent=1)
        f.write("\n")
    print(json.dumps(card["step_graph"], indent=1))


if __name__ == "__main__":
    main()
