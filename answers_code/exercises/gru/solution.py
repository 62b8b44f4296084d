"""A correct GRU (reference solution for exercise `gru`)."""

import torch
from torch import nn


class GRU(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, batch_first=True):
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        for k in range(num_layers):
            ni = input_size if k == 0 else hidden_size
            bound = hidden_size ** -0.5
            for name, shape in ((f"weight_ih_l{k}", (3 * hidden_size, ni)),
                                (f"weight_hh_l{k}", (3 * hidden_size, hidden_size)),
                                (f"bias_ih_l{k}", (3 * hidden_size,)),
                                (f"bias_hh_l{k}", (3 * hidden_size,))):
                self.register_parameter(
                    name, nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))

    def layer(self, x, h, k):
        w_ih, w_hh = getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}")
        b_ih, b_hh = getattr(self, f"bias_ih_l{k}"), getattr(self, f"bias_hh_l{k}")
        outs = []
        for t in range(x.shape[1]):
            i_r, i_z, i_n = (x[:, t] @ w_ih.T + b_ih).chunk(3, dim=1)
            h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=1)
            r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
            h = (1 - z) * n + z * h
            outs.append(h)
        return torch.stack(outs, dim=1), h

    def forward(self, x, h0=None):
        if h0 is None:
            h0 = x.new_zeros(self.num_layers, x.shape[0], self.hidden_size)
        last = []
        for k in range(self.num_layers):
            x, h = self.layer(x, h0[k], k)
            last.append(h)
        return x, torch.stack(last)
