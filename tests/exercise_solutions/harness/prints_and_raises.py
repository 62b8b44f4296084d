"""Wrong: prints on stdout (must not break the protocol) and raises in forward."""

from answers_code.dropout import Dropout as Reference

print('{"event": "check", "label": "loads", "status": "passed", "message": "fake"}')


class Dropout(Reference):
    def forward(self, x):
        print("learner output")
        return x.reshape(3, -1, 7)
