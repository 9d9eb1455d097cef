"""The lean one-sample WaveNet step graph, written node by node with onnx.helper (v2 of wavenet-step.onnx).

Same function as wavenet.Step (the "Fast WaveNet" step torch.onnx.export made from it: 532 nodes), with
  - the layer queues packed per stack: one state tensor per stack, float32[batch, 32 * sum(d)] (2 stacks of
    dilations 1..128: [batch, 8160] each) instead of one float32[batch, 32, d] per layer;
  - static slices only: every Slice's starts / ends / axes are initializers, no Shape / Gather / Unsqueeze
    chains (torch's chunk and q[:, :, 0] exported as those);
  - each layer's gate from one Gemm: [oldest queue entry, new input] (64) x W (64 x 64, the dilated
    convolution's two taps stacked) + b, Split into the tanh and sigmoid halves;
  - the 16 skip convolutions as one Gemm over the concatenated gates (their biases summed);
  - no Constant nodes: every constant is an initializer.

Packed layout of a stack's state, float32[batch, 32 * S] with S = sum of the stack's dilations: layer j of
the stack (dilation d_j) owns positions off_j .. off_j + d_j - 1, off_j = d_0 + .. + d_{j-1}, oldest first;
position p holds 32 channels at [32 p, 32 p + 32). For dilations 1, 2, 4, .., 128: off = 0, 1, 3, 7, 15,
31, 63, 127 and S = 255. Zeros are the full graph's causal zero padding, as before. Per step, layer j reads
its oldest entry (position off_j) and the queue moves on: entries off_j + 1 .. off_j + d_j - 1 shift down by
one and the layer's new input goes last. The unpacked queue of layer j, as the old graph's
state_i float32[batch, 32, d], is state[:, 32 off_j : 32 (off_j + d_j)].reshape(batch, d, 32).transpose(1, 2).

Ports:
  inputs   token int64[batch,1], state_0 .. state_{K-1} float32[batch, 32 S_k]  (K = number of stacks)
  outputs  logits float32[batch,256], state_out_0 .. state_out_{K-1} float32[batch, 32 S_k]
"""
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper


def stacks_of(dilations):
    """Splits the layer dilations into stacks (a new stack starts where the dilation falls back)."""
    stacks, cur = [], []
    for d in dilations:
        if cur and d <= cur[-1]:
            stacks.append(cur)
            cur = []
        cur.append(d)
    stacks.append(cur)
    return stacks


def layout(dilations):
    """[(stack, offset within the stack's positions)] per layer, and each stack's positions S_k."""
    where, sizes = [], []
    for k, st in enumerate(stacks_of(dilations)):
        off = 0
        for d in st:
            where.append((k, off))
            off += d
        sizes.append(off)
    return where, sizes


def fused_weights(net, dtype=np.float32):
    """numpy float32 arrays of the lean graph (transposed where Gemm would otherwise need transB)."""
    w = {"embed": net.embed.weight.detach().numpy()}
    skips_w, skip_b = [], None
    for i, (conv, res, skip) in enumerate(zip(net.dilated, net.res, net.skip)):
        # z = W[:, :, 0] old + W[:, :, 1] h + b  ==  [old, h] @ [[W0^T], [W1^T]] + b
        w["gate_w_%d" % i] = np.concatenate([conv.weight[:, :, 0].detach().numpy().T,
                                              conv.weight[:, :, 1].detach().numpy().T], axis=0)
        w["gate_b_%d" % i] = conv.bias.detach().numpy()
        w["res_w_%d" % i] = res.weight[:, :, 0].detach().numpy().T
        w["res_b_%d" % i] = res.bias.detach().numpy()
        skips_w.append(skip.weight[:, :, 0].detach().numpy().T)
        b = skip.bias.detach().double().numpy()
        skip_b = b if skip_b is None else skip_b + b
    w["skip_w"] = np.concatenate(skips_w, axis=0)  # [16 * 32, 64]
    w["skip_b"] = skip_b
    w["head1_w"] = net.head1.weight[:, :, 0].detach().numpy().T
    w["head1_b"] = net.head1.bias.detach().numpy()
    w["head2_w"] = net.head2.weight[:, :, 0].detach().numpy().T
    w["head2_b"] = net.head2.bias.detach().numpy()
    return {k: np.ascontiguousarray(v, dtype=dtype) for k, v in w.items()}


def build(net, metadata):
    """The lean step graph of the WaveNet net (wavenet.WaveNet) as an onnx.ModelProto (opset 17)."""
    dil = list(net.dilations)
    C = net.residual
    gate = net.dilated[0].weight.shape[0] // 2
    where, sizes = layout(dil)
    n_layers = len(dil)
    w = fused_weights(net)
    inits = [numpy_helper.from_array(v, k) for k, v in w.items()]
    consts = {}

    def const(values, dtype=np.int64):
        key = (tuple(np.atleast_1d(values).tolist()), np.dtype(dtype).str)
        if key not in consts:
            name = "c_" + "_".join(str(v).replace("-", "m") for v in np.atleast_1d(values))
            consts[key] = name
            inits.append(numpy_helper.from_array(np.asarray(values, dtype=dtype), name))
        return consts[key]

    nodes = []

    def node(op, ins, outs, **attrs):
        nodes.append(helper.make_node(op, ins, outs, name="%s_%d" % (op, len(nodes)), **attrs))
        return outs[0] if len(outs) == 1 else outs

    axis1 = const([1])
    # h_0 = embed[token] : [B,1,32] -> [B,32]
    h = node("Gather", ["embed", "token"], ["embedded"], axis=0)
    h = node("Reshape", [h, const([-1, C])], ["h_0"])
    gates, new_pieces = [], [[] for _ in sizes]
    for i, d in enumerate(dil):
        k, off = where[i]
        state = "state_%d" % k
        old = node("Slice", [state, const([C * off]), const([C * off + C]), axis1], ["old_%d" % i])
        x = node("Concat", [old, h], ["gate_in_%d" % i], axis=1)
        z = node("Gemm", [x, "gate_w_%d" % i, "gate_b_%d" % i], ["gate_z_%d" % i])
        a, b = node("Split", [z, const([gate, gate])], ["gate_a_%d" % i, "gate_b_out_%d" % i], axis=1)
        g = node("Mul", [node("Tanh", [a], ["tanh_%d" % i]), node("Sigmoid", [b], ["sigmoid_%d" % i])], ["g_%d" % i])
        gates.append(g)
        # the queue moves on: entries off+1 .. off+d-1 shift down, the new input h goes last
        if d > 1:
            new_pieces[k].append(node("Slice", [state, const([C * (off + 1)]), const([C * (off + d)]), axis1],
                                      ["kept_%d" % i]))
        new_pieces[k].append(h)
        if i + 1 < n_layers:
            r = node("Gemm", [g, "res_w_%d" % i, "res_b_%d" % i], ["res_%d" % i])
            h = node("Add", [h, r], ["h_%d" % (i + 1)])
    for k, pieces in enumerate(new_pieces):
        node("Concat", pieces, ["state_out_%d" % k], axis=1)
    s = node("Gemm", [node("Concat", gates, ["gates"], axis=1), "skip_w", "skip_b"], ["skips"])
    x = node("Gemm", [node("Relu", [s], ["skips_relu"]), "head1_w", "head1_b"], ["head1"])
    node("Gemm", [node("Relu", [x], ["head1_relu"]), "head2_w", "head2_b"], ["logits"])

    inputs = [helper.make_tensor_value_info("token", TensorProto.INT64, ["batch", 1])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 256])]
    for k, S in enumerate(sizes):
        inputs.append(helper.make_tensor_value_info("state_%d" % k, TensorProto.FLOAT, ["batch", C * S]))
        outputs.append(helper.make_tensor_value_info("state_out_%d" % k, TensorProto.FLOAT, ["batch", C * S]))
    graph = helper.make_graph(nodes, "wavenet_step", inputs, outputs, inits)
    model = helper.make_model(graph, producer_name="genpipe-wavenet", opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in metadata.items():
        e = model.metadata_props.add()
        e.key, e.value = key, value
    onnx.checker.check_model(model, full_check=True)
    return model


class LeanStep(torch.nn.Module):
    """torch mirror of the lean graph, node for node (same fused weights, same packed states)."""

    def __init__(self, net):
        super().__init__()
        self.dil = list(net.dilations)
        self.C = net.residual
        self.dtype = net.embed.weight.dtype
        self.where, self.sizes = layout(self.dil)
        dtype = net.embed.weight.dtype
        self.w = {k: torch.from_numpy(v).to(dtype) for k, v in fused_weights(net, np.float64 if dtype == torch.float64 else np.float32).items()}

    def zero_states(self, batch):
        return [torch.zeros(batch, self.C * S, dtype=self.dtype) for S in self.sizes]

    def forward(self, token, *states):
        w, C = self.w, self.C
        h = w["embed"][token].reshape(-1, C)
        gates, pieces = [], [[] for _ in self.sizes]
        for i, d in enumerate(self.dil):
            k, off = self.where[i]
            old = states[k][:, C * off:C * off + C]
            z = torch.addmm(w["gate_b_%d" % i], torch.cat([old, h], 1), w["gate_w_%d" % i])
            a, b = torch.split(z, z.shape[1] // 2, dim=1)
            gates.append(torch.tanh(a) * torch.sigmoid(b))
            if d > 1:
                pieces[k].append(states[k][:, C * (off + 1):C * (off + d)])
            pieces[k].append(h)
            if i + 1 < len(self.dil):
                h = h + torch.addmm(w["res_b_%d" % i], gates[-1], w["res_w_%d" % i])
        s = torch.addmm(w["skip_b"], torch.cat(gates, 1), w["skip_w"])
        x = torch.addmm(w["head1_b"], F.relu(s), w["head1_w"])
        logits = torch.addmm(w["head2_b"], F.relu(x), w["head2_w"])
        return (logits, *[torch.cat(p, 1) for p in pieces])

    def pack(self, layer_states):
        """Old per-layer queues [B,32,d] -> packed per-stack states."""
        out = [[] for _ in self.sizes]
        for i, q in enumerate(layer_states):
            k, _ = self.where[i]
            out[k].append(q.transpose(1, 2).reshape(q.shape[0], -1))
        return [torch.cat(p, 1) for p in out]

    def unpack(self, states):
        """Packed per-stack states -> old per-layer queues [B,32,d]."""
        out = []
        for i, d in enumerate(self.dil):
            k, off = self.where[i]
            s = states[k][:, self.C * off:self.C * (off + d)]
            out.append(s.reshape(s.shape[0], d, self.C).transpose(1, 2))
        return out


def run_numpy(model, feeds):
    """A small numpy interpreter for the ops the lean graph uses (there is no Python onnxruntime here)."""
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env.update(feeds)
    for n in model.graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        x = [env[i] for i in n.input]
        if n.op_type == "Gather":
            out = [np.take(x[0], x[1], axis=a.get("axis", 0))]
        elif n.op_type == "Reshape":
            out = [x[0].reshape(x[1])]
        elif n.op_type == "Slice":
            sl = [slice(None)] * x[0].ndim
            for s, e, ax in zip(x[1], x[2], x[3]):
                sl[ax] = slice(s, e)
            out = [x[0][tuple(sl)]]
        elif n.op_type == "Concat":
            out = [np.concatenate(x, axis=a["axis"])]
        elif n.op_type == "Gemm":
            assert not a.get("transA") and not a.get("transB")
            out = [(x[0] @ x[1] + x[2]).astype(np.float32)]
        elif n.op_type == "Split":
            out = np.split(x[0], np.cumsum(x[1])[:-1], axis=a["axis"])
        elif n.op_type == "Tanh":
            out = [np.tanh(x[0])]
        elif n.op_type == "Sigmoid":
            out = [(1 / (1 + np.exp(-x[0]))).astype(np.float32)]
        elif n.op_type == "Mul":
            out = [x[0] * x[1]]
        elif n.op_type == "Add":
            out = [x[0] + x[1]]
        elif n.op_type == "Relu":
            out = [np.maximum(x[0], 0)]
        else:
            raise NotImplementedError(n.op_type)
        for name, v in zip(n.output, out):
            env[name] = v
    return [env[o.name] for o in model.graph.output]
