"""A small WaveNet (van den Oord et al. 2016) over 8-bit mu-law audio, and its one-sample step form.

Causal dilated convolutions (kernel 2), gated activations tanh(a) * sigmoid(b), residual and skip
connections, 2 stacks x dilations 1..128: each output sees the last 511 samples (the receptive field).

WaveNet.forward(tokens[B,T]) -> logits[B,T,256]: logits[:, t] is the distribution of sample t + 1
given samples 0..t. Every layer's input is zero before the first sample.

Step.forward(token[B,1], state_0 .. state_15) -> logits[B,256], state_out_0 .. state_out_15 is the same
network one sample at a time ("Fast WaveNet"): state_i[B,C,d_i] holds layer i's last d_i inputs, oldest
first; the dilated convolution reads the oldest and the new input, and the queue shifts by one. Zero
states are the full graph's zero padding, so stepping a sequence gives the full graph's logits.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = 256
DILATIONS = [2 ** i for i in range(8)] * 2


class WaveNet(nn.Module):
    def __init__(self, residual=32, gate=32, skip=64, dilations=DILATIONS):
        super().__init__()
        self.dilations = list(dilations)
        self.residual = residual
        self.embed = nn.Embedding(CLASSES, residual)
        self.dilated = nn.ModuleList([nn.Conv1d(residual, 2 * gate, 2, dilation=d) for d in self.dilations])
        self.res = nn.ModuleList([nn.Conv1d(gate, residual, 1) for _ in self.dilations])
        self.skip = nn.ModuleList([nn.Conv1d(gate, skip, 1) for _ in self.dilations])
        self.head1 = nn.Conv1d(skip, skip, 1)
        self.head2 = nn.Conv1d(skip, CLASSES, 1)

    def receptive_field(self):
        return sum(self.dilations) + 1

    def forward(self, tokens):
        h = self.embed(tokens).transpose(1, 2)
        skips = None
        for d, conv, res, skip in zip(self.dilations, self.dilated, self.res, self.skip):
            z = conv(F.pad(h, (d, 0)))
            a, b = z.chunk(2, dim=1)
            g = torch.tanh(a) * torch.sigmoid(b)
            s = skip(g)
            skips = s if skips is None else skips + s
            h = h + res(g)
        out = self.head2(F.relu(self.head1(F.relu(skips))))
        return out.transpose(1, 2)


class Step(nn.Module):
    """The same weights, one sample per call, with each layer's input queue passed in and out."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, token, *states):
        n = self.net
        h = n.embed(token[:, 0])  # [B, C]
        skips = None
        out_states = []
        for i, (conv, res, skip) in enumerate(zip(n.dilated, n.res, n.skip)):
            q = states[i]  # [B, C, d]
            old = q[:, :, 0]
            z = F.linear(old, conv.weight[:, :, 0]) + F.linear(h, conv.weight[:, :, 1], conv.bias)
            a, b = z.chunk(2, dim=1)
            g = torch.tanh(a) * torch.sigmoid(b)
            s = F.linear(g, skip.weight[:, :, 0], skip.bias)
            skips = s if skips is None else skips + s
            out_states.append(torch.cat([q[:, :, 1:], h.unsqueeze(2)], dim=2))
            h = h + F.linear(g, res.weight[:, :, 0], res.bias)
        x = F.relu(skips)
        x = F.relu(F.linear(x, n.head1.weight[:, :, 0], n.head1.bias))
        logits = F.linear(x, n.head2.weight[:, :, 0], n.head2.bias)
        return (logits, *out_states)

    def zero_states(self, batch):
        return [torch.zeros(batch, self.net.residual, d) for d in self.net.dilations]
