"""Verify every exercise against real files in real child processes: the references pass, the
scaffolds fail with "not implemented yet", each plausible wrong solution fails with a message
that names its mistake, and broken files become failed checks, never a crash."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from studytool.exercises import EXERCISES, get_exercise, solution_file
from studytool.exercises.verify import VerifyResult, output_lines, verify_file, verify_files
from studytool.exercises.watch import stamp, wait_for_change
from studytool.exercises.workspace import start

SOLUTIONS = Path(__file__).parent / "exercise_solutions"

# Every exercise's own reference, then correct files written another way (most are a Bug's base).
REFERENCES = [(ex.name, solution_file(ex)) for ex in EXERCISES] + [
    ("third-word", SOLUTIONS / "third_word/per_word.py"),
    ("lstm-cell", SOLUTIONS / "lstm_cell/from_scratch.py"),
    ("dropout", SOLUTIONS / "dropout/from_scratch.py"),
    ("weight-tying", SOLUTIONS / "weight_tying/from_scratch.py"),
    ("lstm", SOLUTIONS / "lstm/from_scratch.py"),
    ("gru", SOLUTIONS / "gru/answers_code_ref.py"),
]


@dataclass(frozen=True)
class Bug:
    """A plausible wrong solution: a correct file with the one mistake a learner makes, written
    as the lines it changes, so the mistake is all that differs from a passing file."""

    name: str
    base: Path  # a correct solution (it passes: REFERENCES)
    changes: tuple[tuple[str, str], ...]  # (correct text, wrong text), each found once

    def write(self, folder: Path) -> Path:
        text = self.base.read_text(encoding="utf-8")
        for right, wrong in self.changes:
            assert text.count(right) == 1, f"{self.name}: {right!r} is not in {self.base} once"
            text = text.replace(right, wrong)
        path = folder / f"{self.name}.py"
        path.write_text(text, encoding="utf-8")
        return path


GRU = solution_file(get_exercise("gru"))
LSTM = SOLUTIONS / "lstm/from_scratch.py"
CELL = SOLUTIONS / "lstm_cell/from_scratch.py"
DROPOUT = SOLUTIONS / "dropout/from_scratch.py"
TIED = SOLUTIONS / "weight_tying/from_scratch.py"
THIRD = SOLUTIONS / "third_word/per_word.py"

# (exercise, wrong solution, the check that fails, words its message must contain)
WRONG = [
    ("third-word", SOLUTIONS / "third_word/peeking_samples.py", "no peeking in the samples",
     "peeking"),
    ("third-word", Bug("peeking_model", THIRD, (  # every position sees the mean of all words
        ("self.i_h(x[:, i])))", "self.i_h(x[:, i]) + self.i_h(x).mean(1)))"),)),
     "no peeking in the model", "peeking"),
    ("lstm-cell", Bug("cat_swapped", CELL, (("torch.cat([h, input]", "torch.cat([input, h]"),)),
     "matches nn.LSTMCell step after step", "concatenate [input, h]"),
    ("lstm-cell", Bug("gates_mixed", CELL, (
        ("c * torch.sigmoid(self.forget_gate", "c * torch.sigmoid(self.input_gate"),
        ("c + torch.sigmoid(self.input_gate", "c + torch.sigmoid(self.forget_gate"))),
     "matches nn.LSTMCell step after step", "input_gate is used as the forget gate"),
    ("dropout", Bug("no_rescale", DROPOUT, ((" / (1 - self.p)", ""),)),
     "survivors are scaled by 1/(1-p)", "dropout without rescaling"),
    ("dropout", Bug("uses_torch", DROPOUT, (
        ("from torch import nn\n", "import torch.nn.functional as F\nfrom torch import nn\n"),
        ("        if not self.training:\n            return x\n"
         "        return x * x.new_empty(x.shape).bernoulli_(1 - self.p) / (1 - self.p)",
         "        return F.dropout(x, self.p, self.training)"))),
     "written from scratch", "PyTorch's dropout"),
    ("ar-tar", SOLUTIONS / "ar_tar/wrong_axis.py",
     "TAR: beta * mean((acts[:, 1:] - acts[:, :-1]) ** 2)", "TAR on the wrong axis"),
    ("ar-tar", SOLUTIONS / "ar_tar/ar_sum.py", "AR: alpha * mean(acts ** 2)",
     "sum instead of mean"),
    ("weight-tying", Bug("untied", TIED, (  # copies the values instead of sharing the tensor
        ("        self.h_o.weight = self.i_h.weight\n",
         "        with torch.no_grad():\n            self.h_o.weight.copy_(self.i_h.weight)\n"),)),
     "the output layer shares the embedding's weight tensor", "untied weights"),
    ("weight-tying", Bug("no_detach", TIED, (("[h_.detach() for h_ in h]", "list(h)"),)),
     "trains batch after batch (the state is detached)", "detach the hidden state"),
    ("lstm", Bug("book_order", LSTM, (("i, f, g, o = ", "i, f, o, g = "),)),
     "matches nn.LSTM, one layer", "gates are in the order i, f, o, g"),
    ("gru", Bug("gate_order", GRU, (("i_r, i_z, i_n = ", "i_z, i_r, i_n = "),
                                    ("h_r, h_z, h_n = ", "h_z, h_r, h_n = "))),
     "matches nn.GRU, one layer", "gates are in the order z, r, n"),
    ("gru", Bug("update_swapped", GRU, (("h = (1 - z) * n + z * h", "h = z * n + (1 - z) * h"),)),
     "matches nn.GRU, one layer", "z and 1 - z are swapped"),
    ("gru", SOLUTIONS / "gru/subclass.py", "loads nn.GRU's state_dict", "wraps nn.GRU"),
    ("lstm", SOLUTIONS / "lstm/subclass.py", "loads nn.LSTM's state_dict", "wraps nn.LSTM"),
]

BROKEN = [  # checked as dropout files: (file, the failing check, words of its message)
    ("harness/infinite_loop.py", "identity in eval mode", "timed out after"),
    ("generated/syntax_error.py", "loads", "syntax error in syntax_error.py line 7"),
    ("harness/missing_import.py", "loads", "imports 'torchtext_missing_module', which is not"),
    ("harness/prints_and_raises.py", "identity in eval mode",
     "RuntimeError: shape '[3, -1, 7]' is invalid"),
    # 8 GiB of untouched address space: fine without limits, refused under the 4 GiB limit.
    ("harness/huge_alloc.py", "identity in eval mode", "ran out of memory (the checks may use"),
]

# Written at test time: a file that does not parse would fail the repository's lint.
SYNTAX_ERROR = '''"""Wrong: does not parse."""

from torch import nn


class Dropout(nn.Module):
    def __init__(self, p)
        super().__init__()
'''

TIMEOUT = 10.0  # per check (a loaded machine is slow); the training check gets four times this


def _wrong_path(wrong: Path | Bug, generated: Path) -> Path:
    return wrong.write(generated) if isinstance(wrong, Bug) else wrong


def _broken_path(rel: str, generated: Path) -> Path:
    return generated / Path(rel).name if rel.startswith("generated/") else SOLUTIONS / rel


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], VerifyResult]:
    """Everything verified in one child process (torch is imported once)."""
    scaffolds = tmp_path_factory.mktemp("scaffolds")
    generated = tmp_path_factory.mktemp("generated")
    (generated / "syntax_error.py").write_text(SYNTAX_ERROR)
    jobs = [(get_exercise(name), path) for name, path in REFERENCES]
    jobs += [(get_exercise(name), _wrong_path(wrong, generated)) for name, wrong, _, _ in WRONG]
    jobs += [(get_exercise("dropout"), _broken_path(rel, generated)) for rel, _, _ in BROKEN]
    jobs += [(ex, start(ex, scaffolds).path) for ex in EXERCISES]
    jobs.append((get_exercise("dropout"), SOLUTIONS / "harness/exits.py"))  # last: it ends all
    done = verify_files(jobs, check_timeout=TIMEOUT)
    return {(r.exercise, str(r.path)): r for r in done}


def _result(results: dict[tuple[str, str], VerifyResult], name: str, path: Path) -> VerifyResult:
    return results[(name, str(path))]


def _failures(result: VerifyResult) -> str:
    return "\n".join(f"{c.label}: {c.status}: {c.message}" for c in result.checks
                     if c.status != "passed")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "path"), REFERENCES)
def test_reference_solutions_pass(results, name, path):
    result = _result(results, name, path)
    assert result.passed, _failures(result)
    assert len(result.checks) >= 3


@pytest.mark.slow
@pytest.mark.parametrize(("name", "wrong", "label", "words"), WRONG,
                         ids=[f"{n}-{w.name if isinstance(w, Bug) else w.stem}"
                              for n, w, _, _ in WRONG])
def test_wrong_solutions_fail_naming_the_mistake(results, name, wrong, label, words):
    result = (_result(results, name, wrong) if not isinstance(wrong, Bug) else next(
        r for (ex, _), r in results.items() if ex == name and r.path.name == f"{wrong.name}.py"
        and r.path.parent.name.startswith("generated")))
    assert not result.passed
    check = next(c for c in result.checks if c.label == label)
    assert check.status == "failed", _failures(result)
    assert words in check.message


def test_every_exercise_has_a_reference_and_a_wrong_solution():
    names = [ex.name for ex in EXERCISES]
    assert {name for name, _ in REFERENCES} == set(names)
    assert all(solution_file(ex).is_file() for ex in EXERCISES)
    assert {name for name, *_ in WRONG} == set(names)


@pytest.mark.slow
def test_untouched_scaffolds_fail_with_not_implemented_yet(results, tmp_path_factory):
    for ex in EXERCISES:
        result = next(r for (name, _), r in results.items()
                      if name == ex.name and r.path.name == ex.filename
                      and r.path.parent.name.startswith("scaffolds"))
        assert not result.passed
        assert result.checks[0].status == "passed"  # the scaffold defines the names checked
        assert any("not implemented yet" in c.message for c in result.checks), _failures(result)


@pytest.mark.slow
def test_third_word_training_beats_the_baseline(results):
    result = _result(results, "third-word", solution_file(get_exercise("third-word")))
    training = next(c for c in result.checks if c.label.startswith("a short training run"))
    accuracy = float(re.search(r"validation accuracy ([0-9.]+)", training.message).group(1))
    assert accuracy > 0.1517


@pytest.mark.slow
@pytest.mark.parametrize(("rel", "label", "words"), BROKEN)
def test_broken_files_are_failed_checks(results, rel, label, words):
    result = next(r for (name, path), r in results.items()
                  if name == "dropout" and path.endswith("/" + Path(rel).name))
    check = next(c for c in result.checks if c.label == label)
    assert check.status == "failed"
    assert words in check.message
    assert "Traceback" not in check.message


@pytest.mark.slow
def test_a_file_that_ends_the_process_is_a_failed_check(results):
    result = _result(results, "dropout", SOLUTIONS / "harness/exits.py")
    assert not result.passed
    assert result.checks[0].status == "failed"
    assert "exited before the checks finished" in result.checks[0].message


# Slow: it needs the module's `results` (every file verified in one child, about 15 s here),
# and the loop runs out its 10 s check timeout there anyway.
@pytest.mark.slow
def test_an_infinite_loop_stops_the_later_checks(results):
    result = _result(results, "dropout", SOLUTIONS / "harness/infinite_loop.py")
    after = result.checks[[c.label for c in result.checks].index("identity in eval mode") + 1:]
    assert after and all(c.status == "skipped" for c in after)


@pytest.mark.slow
def test_a_hang_the_alarm_cannot_stop_kills_the_process_group():
    started = time.monotonic()
    result = verify_file(get_exercise("dropout"), SOLUTIONS / "harness/hard_hang.py",
                         check_timeout=2.0)
    assert time.monotonic() - started < 60
    assert not result.passed
    hung = next(c for c in result.checks if c.status == "failed")
    assert hung.label == "p outside [0, 1) is a ValueError"  # the first check that builds one
    assert hung.message.startswith("timed out: no answer for 7 s, the check process was stopped")
    after = result.checks[result.checks.index(hung) + 1:]
    assert after and all(c.status == "skipped" for c in after)
    pid = int(re.search(r"grandchild (\d+)", result.stderr_tail).group(1))
    for _ in range(50):  # the grandchild shared the process group, so it was killed too
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"grandchild {pid} outlived the check process")


@pytest.mark.slow
def test_stop_cancels_a_running_verify():
    stop = threading.Event()

    def on_event(event: dict) -> None:
        if event.get("event") == "begin" and event.get("label") == "identity in eval mode":
            stop.set()  # the TUI's cancel, from the reading thread

    started = time.monotonic()
    result = verify_file(get_exercise("dropout"), SOLUTIONS / "harness/infinite_loop.py",
                         check_timeout=60, on_event=on_event, stop=stop)
    assert time.monotonic() - started < 45  # far less than the 60 s the check could take
    check = next(c for c in result.checks if c.label == "identity in eval mode")
    assert (check.status, check.message) == ("failed", "cancelled")
    assert result.checks[-1].message == "not run: the check process stopped"


@pytest.mark.slow
def test_wait_for_change_sees_a_save_and_honours_stop(tmp_path):
    path = tmp_path / "gru.py"
    path.write_text("a")
    seen = stamp(path)
    assert not wait_for_change(path, seen, timeout=0.3)  # nothing saved yet
    timer = threading.Timer(0.2, lambda: path.write_text("ab"))
    timer.start()
    started = time.monotonic()
    assert wait_for_change(path, seen, timeout=10)
    assert time.monotonic() - started < 5
    stop = threading.Event()
    stop.set()
    assert not wait_for_change(path, stamp(path), stop=stop)
    path.unlink()
    assert stamp(path) is None
    assert not wait_for_change(path, seen, timeout=0.2)  # a missing file waits


@pytest.mark.slow
def test_wait_for_change_sees_an_editor_s_rename_save_and_ignores_other_files(tmp_path):
    path = tmp_path / "gru.py"
    path.write_text("a")
    seen = stamp(path)
    timer = threading.Timer(0.2, lambda: (tmp_path / "notes.txt").write_text("x"))
    timer.start()
    assert not wait_for_change(path, seen, timeout=1.0)  # another file in the folder
    def save_like_vim():
        (tmp_path / ".gru.py.tmp").write_text("abc")
        (tmp_path / ".gru.py.tmp").replace(path)
    timer = threading.Timer(0.2, save_like_vim)
    timer.start()
    assert wait_for_change(path, seen, timeout=10)
    assert path.read_text() == "abc"


def test_wait_for_change_returns_at_once_for_a_save_made_while_checking(tmp_path):
    path = tmp_path / "gru.py"
    path.write_text("a")
    seen = stamp(path)
    path.write_text("abcd")
    assert wait_for_change(path, seen, timeout=0.1)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    assert not wait_for_change(path, stamp(path), stop=stop)  # stop ends a wait without timeout
    assert time.monotonic() - started < 5


@pytest.mark.slow
def test_each_check_keeps_what_the_code_printed_during_it_bounded(tmp_path):
    path = tmp_path / "dropout.py"
    shutil.copy(SOLUTIONS / "harness/prints_shapes.py", path)
    result = verify_file(get_exercise("dropout"), path, check_timeout=30)
    by_label = {c.label: c for c in result.checks}
    loads = by_label["loads"]
    assert loads.status == "passed"
    assert loads.output == "hello from import\nstraight to fd 1\n"  # C-level writes too
    assert loads.output_bytes == len(loads.output)
    eval_check = by_label["identity in eval mode"]
    assert eval_check.status == "failed"
    assert eval_check.output.startswith("x shape (") and "hello" not in eval_check.output
    flooded = [c for c in result.checks if c.output_bytes > 200_000]
    assert flooded, [(c.label, c.output_bytes) for c in result.checks]
    for check in flooded:  # only the end of a flood is kept, and it says so
        assert len(check.output) <= 4000 and check.output.rstrip().endswith(("z", ")"))
        note = output_lines(check.output, check.output_bytes)[0]
        assert note.startswith("… ") and "earlier bytes of output not kept" in note
    assert result.output_bytes > 400_000  # everything still reaches the verifier's tail too
    assert "output" in result.to_dict()["checks"][0]
