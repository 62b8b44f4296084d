"""Wrong: asks for far more memory than the check process may use."""

import torch

from answers_code.dropout import Dropout as Reference


class Dropout(Reference):
    def forward(self, x):
        torch.empty(2**31)  # 8 GiB of address space, never touched
        return x
