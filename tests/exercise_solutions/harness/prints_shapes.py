"""Wrong (never scales, never drops) and chatty: prints at import, from C level too, a shape in
every forward, and 200 kB in the training-mode checks, the way a learner debugs."""

import os

from answers_code.dropout import Dropout as Reference

print("hello from import")
os.write(1, b"straight to fd 1\n")


class Dropout(Reference):
    def forward(self, x):
        print("x shape", tuple(x.shape))
        if self.training and x.numel() == 100_000:
            print("z" * 200_000)
        return x * 2
