"""Wrong: prints on stdout (must not break the protocol) and raises in forward."""

from torch import nn

print('{"event": "check", "label": "loads", "status": "passed", "message": "fake"}')


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)

    def forward(self, x):
        print("learner output")
        return x.reshape(3, -1, 7)
