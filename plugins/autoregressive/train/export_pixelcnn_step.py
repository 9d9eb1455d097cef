#!/usr/bin/env python3
"""Builds pixelcnn-step.onnx, the one-pixel step graph of the shipped PixelCNN, from pixelcnn.onnx.

  apt-get install -y python3-onnx
  /usr/bin/python3 export_pixelcnn_step.py [--model pixelcnn.onnx] [--out pixelcnn-step.onnx]

Fast sampling in the spirit of "Fast PixelCNN++" (Ramachandran et al. 2017): every layer's output at
pixel p depends only on earlier pixels (raster order) of the layer below, so the generator keeps each
block's input of the last two image rows in a cache and, per pixel, computes every layer at p alone
instead of rerunning 28x28 convolutions. The masked convolutions become matrix products over the
positions their masks let through:
  7x7 type A (first layer): 24 input pixels, rows i-3..i-1 x cols j-3..j+3, then row i cols j-3..j-1;
  3x3 type B (blocks):      (i-1, j-1), (i-1, j), (i-1, j+1), (i, j-1) from the cache, and (i, j),
                            which is computed in the same step.
Inputs  x_window float[batch,24] (0/1, zeros outside the image), label int64[batch] (10 = no class),
        context float[batch,6,4,64] (block l's input at the four cached positions, zeros outside);
outputs logit float[batch,1] (pixel p's Bernoulli logit), h float[batch,6,64] (the blocks' inputs at
p, for the cache). Same weights as the full graph, so the same logits up to float rounding; the
graph records the full graph's sha256 so the generator can refuse a step graph of other weights.
No torch needed: the weights are read from the full graph (masks already folded in by its export).
"""
import argparse
import hashlib
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(os.path.dirname(HERE), "src/main/resources/io/genpipe/autoregressive/models")
BLOCKS, CH = 6, 64
CONTEXT = [(0, 0), (0, 1), (0, 2), (1, 0)]  # (ky, kx) of a 3x3 kernel: the four cached positions; (1, 1) is p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(MODELS, "pixelcnn.onnx"))
    ap.add_argument("--out", default=os.path.join(MODELS, "pixelcnn-step.onnx"))
    args = ap.parse_args()
    with open(args.model, "rb") as f:
        full_bytes = f.read()
    full = onnx.load_from_string(full_bytes)
    w = {i.name: numpy_helper.to_array(i).astype(np.float32) for i in full.graph.initializer}
    convs = [n for n in full.graph.node if n.op_type == "Conv"]
    first, blocks = convs[0], convs[1:1 + BLOCKS]
    w0 = w[first.input[1]]  # [64, 1, 7, 7], mask A folded in
    assert w0.shape == (CH, 1, 7, 7)
    rows = [(ky, kx) for ky in range(3) for kx in range(7)] + [(3, kx) for kx in range(3)]
    assert not any(w0[:, 0, ky, kx].any() for ky in range(7) for kx in range(7) if (ky, kx) not in rows), "mask A"
    W0 = np.stack([w0[:, 0, ky, kx] for ky, kx in rows])  # [24, 64]
    Wc, Wcen = [], []
    for b in blocks:
        k = w[b.input[1]]  # [64, 64, 3, 3], mask B folded in
        allowed = CONTEXT + [(1, 1)]
        assert not any(k[:, :, ky, kx].any() for ky in range(3) for kx in range(3) if (ky, kx) not in allowed), "mask B"
        Wc.append(np.concatenate([k[:, :, ky, kx].T for ky, kx in CONTEXT]))  # [256, 64]: position-major, then channel
        Wcen.append(k[:, :, 1, 1].T)
    E0 = w["cond.0.weight"] + w["inp.bias"]
    Eb = np.concatenate([w["cond.%d.weight" % (l + 1)] + w["blocks.%d.bias" % l] for l in range(BLOCKS)], axis=1)
    H1 = w["head1.weight"][:, :, 0, 0].T
    H2 = w["head2.weight"][:, :, 0, 0].T

    inits = {"W0": W0, "E0": E0, "Eb": Eb, "Wc": np.stack(Wc), "H1": H1, "hb1": w["head1.bias"], "H2": H2,
             "hb2": w["head2.bias"], "shape_b6164": np.array([-1, BLOCKS, 1, CH], np.int64),
             "shape_b61256": np.array([-1, BLOCKS, 1, 4 * CH], np.int64), "shape_bflat": np.array([-1, BLOCKS * CH], np.int64),
             "shape_b664": np.array([-1, BLOCKS, CH], np.int64), "split_sizes": np.full(BLOCKS, CH, np.int64)}
    for l in range(BLOCKS):
        inits["Wcen%d" % l] = Wcen[l]
    n = []
    n.append(helper.make_node("Gather", ["E0", "label"], ["c0"]))
    n.append(helper.make_node("Gather", ["Eb", "label"], ["cb_flat"]))
    n.append(helper.make_node("Reshape", ["cb_flat", "shape_b6164"], ["cb"]))
    n.append(helper.make_node("Relu", ["context"], ["rctx"]))
    n.append(helper.make_node("Reshape", ["rctx", "shape_b61256"], ["rctx4"]))
    n.append(helper.make_node("MatMul", ["rctx4", "Wc"], ["ctx_term"]))
    n.append(helper.make_node("Add", ["ctx_term", "cb"], ["a_4d"]))
    n.append(helper.make_node("Reshape", ["a_4d", "shape_bflat"], ["a_flat"]))
    n.append(helper.make_node("Split", ["a_flat", "split_sizes"], ["a%d" % l for l in range(BLOCKS)], axis=1))
    n.append(helper.make_node("Gemm", ["x_window", "W0", "c0"], ["h0"]))
    for l in range(BLOCKS):
        n.append(helper.make_node("Relu", ["h%d" % l], ["r%d" % l]))
        n.append(helper.make_node("Gemm", ["r%d" % l, "Wcen%d" % l, "a%d" % l], ["z%d" % l]))
        n.append(helper.make_node("Add", ["h%d" % l, "z%d" % l], ["h%d" % (l + 1)]))
    n.append(helper.make_node("Relu", ["h%d" % BLOCKS], ["rh"]))
    n.append(helper.make_node("Gemm", ["rh", "H1", "hb1"], ["g"]))
    n.append(helper.make_node("Relu", ["g"], ["rg"]))
    n.append(helper.make_node("Gemm", ["rg", "H2", "hb2"], ["logit"]))
    n.append(helper.make_node("Concat", ["h%d" % l for l in range(BLOCKS)], ["h_flat"], axis=1))
    n.append(helper.make_node("Reshape", ["h_flat", "shape_b664"], ["h"]))
    graph = helper.make_graph(
        n, "pixelcnn_step",
        [helper.make_tensor_value_info("x_window", TensorProto.FLOAT, ["batch", 24]),
         helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
         helper.make_tensor_value_info("context", TensorProto.FLOAT, ["batch", BLOCKS, 4, CH])],
        [helper.make_tensor_value_info("logit", TensorProto.FLOAT, ["batch", 1]),
         helper.make_tensor_value_info("h", TensorProto.FLOAT, ["batch", BLOCKS, CH])],
        [numpy_helper.from_array(np.ascontiguousarray(v), k) for k, v in sorted(inits.items())])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="genpipe")
    model.ir_version = 8
    meta = {p.key: p.value for p in full.metadata_props}
    meta.update({"genpipe.kind": "pixelcnn-step", "genpipe.full_model_sha256": hashlib.sha256(full_bytes).hexdigest()})
    for k, v in meta.items():
        model.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(model)
    onnx.save(model, args.out)
    with open(args.out, "rb") as f:
        data = f.read()
    print(args.out, len(data), "bytes, sha256", hashlib.sha256(data).hexdigest())


if __name__ == "__main__":
    main()
