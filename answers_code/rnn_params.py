"""Parameter bookkeeping shared by the from-scratch LSTM and GRU (as torch's own RNNBase is).

Both store, per layer, `weight_ih_l{k}` (gates*nh, ni), `weight_hh_l{k}` (gates*nh, nh) and
optional biases under nn.LSTM / nn.GRU's names, so their state_dicts load into each other.
The recurrences themselves stay in lstm.py and gru.py, where the chapter's ideas are.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

LayerWeights = tuple[Tensor, Tensor, Tensor | None, Tensor | None]


class StackedRNNParams(nn.Module):
    """Registers `n_gates` stacked gate weights per layer with PyTorch's names and init."""

    n_gates: int  # 4 for an LSTM (i, f, g, o), 3 for a GRU (r, z, n)

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 batch_first: bool = True, bias: bool = True, *,
                 inputs_first: bool = False) -> None:
        """`inputs_first`: compute every step's input projection in one product before the
        recurrence (faster, equal to float rounding; the trained answers keep the default,
        the step by step form their accuracy floors were calibrated on)."""
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.batch_first, self.bias = num_layers, batch_first, bias
        self.inputs_first = inputs_first
        rows = self.n_gates * hidden_size
        for layer in range(num_layers):
            ni = input_size if layer == 0 else hidden_size
            self.register_parameter(f"weight_ih_l{layer}", nn.Parameter(torch.empty(rows, ni)))
            self.register_parameter(f"weight_hh_l{layer}",
                                    nn.Parameter(torch.empty(rows, hidden_size)))
            if bias:
                self.register_parameter(f"bias_ih_l{layer}", nn.Parameter(torch.empty(rows)))
                self.register_parameter(f"bias_hh_l{layer}", nn.Parameter(torch.empty(rows)))
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        # PyTorch's initialisation: every weight and bias uniform in +-1/sqrt(hidden_size).
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            p.uniform_(-bound, bound)

    def layer_weights(self, layer: int) -> LayerWeights:
        b_ih = getattr(self, f"bias_ih_l{layer}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{layer}") if self.bias else None
        w_ih, w_hh = getattr(self, f"weight_ih_l{layer}"), getattr(self, f"weight_hh_l{layer}")
        return w_ih, w_hh, b_ih, b_hh

    def batch_first_input(self, x: Tensor) -> Tensor:
        name = type(self).__name__
        if x.dim() != 3:
            raise ValueError(f"{name} expects a 3-d input (batch, seq, features), got {x.dim()}-d")
        return x if self.batch_first else x.transpose(0, 1)  # work batch-first inside
