#!/usr/bin/env python3
"""PyTorch eager peer for genpipe's character-LSTM speed bench (src/test .../CharLstmSpeedBench).

Rebuilds the LSTM from the shipped ONNX file's weights (ONNX gate order i,o,f,c -> torch i,f,g,o),
then generates greedily from each prompt with the hidden state carried between characters, exactly
as genpipe's char-lstm-generator does with sampling: greedy. Prints one JSON line: seconds (best of
the passes after a warm-up), characters generated, and the texts, which the Java bench compares
with its own.

  /usr/bin/python3 bench_torch.py MODEL.onnx MAX_TOKENS PASSES PROMPT [PROMPT ...]
"""
import json
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch

import fortunes
from train_char_lstm import CharLstm


def load(path):
    m = onnx.load(path)
    init = {i.name: onnx.numpy_helper.to_array(i) for i in m.graph.initializer}
    lstm_nodes = [n for n in m.graph.node if n.op_type == "LSTM"]
    matmul = [n for n in m.graph.node if n.op_type == "MatMul"][0]
    hidden = init[lstm_nodes[0].input[2]].shape[2]
    model = CharLstm(vocab=97, embed=init["embed.weight"].shape[1], hidden=hidden, layers=len(lstm_nodes))

    def reorder(w):  # ONNX i,o,f,c -> torch i,f,g,o along axis 0
        i, o, f, c = np.split(w, 4, axis=0)
        return np.concatenate([i, f, c, o], axis=0)

    sd = {"embed.weight": init["embed.weight"], "head.bias": init["head.bias"],
          "head.weight": init[matmul.input[1]].T}
    for k, node in enumerate(lstm_nodes):
        w, r, b = init[node.input[1]][0], init[node.input[2]][0], init[node.input[3]][0]
        sd["lstm.weight_ih_l%d" % k] = reorder(w)
        sd["lstm.weight_hh_l%d" % k] = reorder(r)
        sd["lstm.bias_ih_l%d" % k] = reorder(b[:4 * hidden])
        sd["lstm.bias_hh_l%d" % k] = reorder(b[4 * hidden:])
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in sd.items()})
    return model.eval()


def generate(model, prompt, max_tokens):
    with torch.no_grad():
        h = torch.zeros(model.layers, 1, model.hidden)
        c = torch.zeros(model.layers, 1, model.hidden)
        logits, h, c = model(torch.tensor([[0] + fortunes.encode(prompt)]), h, c)
        out = []
        for _ in range(max_tokens):
            n = int(logits[0, -1].argmax())
            if n == 0:
                break
            out.append(n)
            logits, h, c = model(torch.tensor([[n]]), h, c)
    return "".join(fortunes.VOCAB[i] for i in out)


def main():
    torch.set_num_threads(2)
    path, max_tokens, passes, prompts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    model = load(path)
    best, texts = float("inf"), None
    for p in range(passes + 1):
        start = time.perf_counter()
        texts = [generate(model, q, max_tokens) for q in prompts]
        if p > 0:
            best = min(best, time.perf_counter() - start)
    print(json.dumps({"seconds": best, "chars": sum(len(t) for t in texts), "texts": texts,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
