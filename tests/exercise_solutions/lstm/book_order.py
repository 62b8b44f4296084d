"""Wrong: chunks the gates as the book's refactored cell does (i, f, o, g), not nn.LSTM's."""

import torch
from torch import nn


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, batch_first=True):
        super().__init__()
        self.nh, self.num_layers = hidden_size, num_layers
        for k in range(num_layers):
            ni = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", nn.Parameter(torch.randn(4 * hidden_size, ni) / 4))
            setattr(self, f"weight_hh_l{k}",
                    nn.Parameter(torch.randn(4 * hidden_size, hidden_size) / 4))
            setattr(self, f"bias_ih_l{k}", nn.Parameter(torch.zeros(4 * hidden_size)))
            setattr(self, f"bias_hh_l{k}", nn.Parameter(torch.zeros(4 * hidden_size)))

    def forward(self, x, state=None):
        bs = x.shape[0]
        if state is None:
            state = (x.new_zeros(self.num_layers, bs, self.nh),) * 2
        hs, cs = [], []
        for k in range(self.num_layers):
            h, c = state[0][k], state[1][k]
            w_ih, w_hh = getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}")
            b = getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}")
            outs = []
            for t in range(x.shape[1]):
                i, f, o, g = (x[:, t] @ w_ih.T + h @ w_hh.T + b).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                outs.append(h)
            x = torch.stack(outs, dim=1)
            hs.append(h)
            cs.append(c)
        return x, (torch.stack(hs), torch.stack(cs))
