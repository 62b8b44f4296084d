"""How `studytool run` shows a run: live progress and epoch table, then the final figures.

On a terminal: a rich progress bar and the epoch table growing beside the book's numbers for
the same model. Elsewhere (a pipe, a test, a dumb terminal): one plain line per event, flushed
at once, so a reader sees each epoch the moment it ends.
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from answers_code.registry import Answer
from studytool.run_record import RunRecord
from studytool.runner import memory
from studytool.runner.figures import figure

METRICS = ("train_loss", "valid_loss", "accuracy")


def book_rows(answer: Answer) -> list[dict[str, Any]]:
    """The book's per-epoch table for this answer's model, or [] (torch-free to read)."""
    if not answer.book_model:
        return []
    try:
        from answers_code.book import book_table

        return book_table(answer.book_model)
    except (ImportError, KeyError, OSError, ValueError):
        return []


def fmt(value: Any, digits: int = 4) -> str:
    """An epoch-table metric: fixed decimals, so a column of losses lines up."""
    if isinstance(value, bool) or value is None:
        return "-" if value is None else str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}" if math.isfinite(value) else str(value).lower()
    return str(value)


class RunView:
    """Receives events (in the main thread) and draws them; `close()` before the summary."""

    def __init__(self, console: Console, answer: Answer, params: dict[str, Any]) -> None:
        self.console = console
        self.answer = answer
        self.params = params
        self.book = book_rows(answer)
        self.notes = book_notes(answer) if self.book else {}
        self.schedule_note = _schedule_note(len(self.book), params.get("epochs"))
        self.rows: list[dict[str, Any]] = []
        self.device = "(starting)"
        self.live: Live | None = None
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=console)
        total = params.get("epochs") if answer.trains else None
        self.task = self.progress.add_task(f"{answer.name} starting", total=total)
        if console.is_terminal and not console.is_dumb_terminal:
            # Transient: the bar goes when the run ends; close() prints the epoch table once.
            # A dumb terminal (TERM=dumb) gets the plain lines: rich draws a Live there only
            # when it stops, so a whole run passed in silence.
            self.live = Live(self._render(), console=console, refresh_per_second=8,
                             transient=True)
            self.live.start()
        else:
            shown = " ".join(f"{k}={v}" for k, v in params.items())
            self._plain(f"running {answer.name} ({shown})" if shown else f"running {answer.name}")

    def _plain(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)
        self.console.file.flush()

    def epoch_table(self) -> Table:
        table = Table(title=f"{self.answer.name} · {self.device}", title_justify="left",
                      caption=self._caption(), caption_justify="left")
        table.add_column("epoch", justify="right")
        for metric in METRICS:
            table.add_column(metric, justify="right")
        table.add_column("time", justify="right")
        if self.book:
            for metric in METRICS:
                mark = "*" if metric in self.notes else ""
                table.add_column(f"book {metric}{mark}", justify="right", style="dim")
        for i in range(max(len(self.rows), len(self.book))):
            row = self.rows[i] if i < len(self.rows) else {}
            cells = [str(row.get("epoch", i))] + [fmt(row.get(m)) for m in METRICS]
            cells.append(f"{row['seconds']:.2f}s" if isinstance(row.get("seconds"), float) else "")
            if self.book:
                book = self.book[i] if i < len(self.book) else {}
                cells += [fmt(book.get(m)) for m in METRICS]
            table.add_row(*cells)
        return table

    def _caption(self) -> str | None:
        lines = [f"* book {metric}: {note}" for metric, note in self.notes.items()]
        if self.book and self.schedule_note:
            ran = _run_epochs(self.answer, self.params)
            lines.insert(0, f"book columns: {self.answer.book_model} over the "
                            f"{self.schedule_note}; this run: {ran}")
        return "\n".join(lines) or None

    def _render(self) -> Group:
        parts: list[Any] = [self.progress]
        if self.answer.trains or self.rows:
            parts.append(self.epoch_table())
        return Group(*parts)

    def _refresh(self) -> None:
        if self.live is not None:
            self.live.update(self._render())

    def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "start":
            self.device = str(event.get("device", "?"))
            self.progress.update(self.task, description=f"{self.answer.name} on {self.device}")
            if self.live is None:
                self._plain(f"device {self.device}, torch {event.get('torch_version', '?')}")
        elif kind == "log":
            self._log(str(event.get("text", "")))
        elif kind == "epoch":
            self.rows.append(event)
            self.progress.advance(self.task)
            if self.live is None:
                self._plain(self._epoch_line(event))
        elif kind == "progress":
            self.progress.update(self.task, completed=event.get("done"), total=event.get("total"))
        self._refresh()

    def _log(self, text: str) -> None:
        if self.live is not None:
            self.live.console.print(text, markup=False, highlight=False)
        else:
            self._plain(text)

    def _epoch_line(self, event: dict[str, Any]) -> str:
        parts = [f"epoch {event.get('epoch')}"]
        parts += [f"{m} {fmt(event.get(m))}" for m in METRICS]
        parts.append(f"{fmt(event.get('seconds'), 2)}s")
        index = len(self.rows) - 1
        total = self.params.get("epochs") if self.answer.trains else None
        if isinstance(total, int):  # the plain lines' progress: how far through the run
            parts.append(f"[{index + 1}/{total}]")
        if index < len(self.book):
            parts.append(f"(book accuracy {fmt(self.book[index].get('accuracy'))})")
            if self.schedule_note:  # epoch i of a longer schedule is not this run's epoch i
                parts.append(f"({self.schedule_note})")
        return "  ".join(parts)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
            if self.rows:
                self.console.print(self.epoch_table())
        elif self.rows and self.book and self.schedule_note:
            last = self.book[-1]
            self._plain(f"book's final accuracy after its {len(self.book)} epochs: "
                        f"{fmt(last.get('accuracy'))} (this run: "
                        f"{_run_epochs(self.answer, self.params)})")


def book_notes(answer: Answer) -> dict[str, str]:
    """The book's columns for this answer's model that the book computed differently."""
    if not answer.book_model:
        return {}
    try:
        from answers_code.book import column_notes

        return column_notes(answer.book_model)
    except (ImportError, OSError, ValueError):
        return {}


def _run_epochs(answer: Answer, params: dict[str, Any]) -> str:
    """'1 of 10 epochs (quick)' when a run is shorter than the answer's own settings."""
    ran, full = params.get("epochs"), answer.defaults.get("epochs")
    if isinstance(ran, int) and isinstance(full, int) and ran < full:
        return f"{ran} of {full} epochs (a quick run: not the book's schedule)"
    return f"{ran} epochs"


def _schedule_note(book_epochs: int, run_epochs: Any) -> str:
    """A label for the book's figures when the run's one-cycle schedule has another length
    (epoch 2 of 3 is near the end of training; epoch 2 of the book's 15 is still warming up)."""
    if not book_epochs or not isinstance(run_epochs, int) or run_epochs == book_epochs:
        return ""
    return f"book's {book_epochs}-epoch schedule"


def print_summary(console: Console, record: RunRecord, run_id: int | None) -> None:
    """Final figures, checks, and the outcome line (with the reason and stderr tail if bad)."""
    if record.final:
        table = Table(title="final", title_justify="left", show_header=False)
        table.add_column("key")
        table.add_column("value", justify="right")
        for key, value in record.final.items():
            table.add_row(str(key), Text(figure(value)))
        console.print(table)
    # Messages, answer names and devices come from the child and the answers: text, never
    # markup (a check's "[batch, 10]" is a shape, not a style).
    for check in record.checks:
        line = (Text("PASS", "green") if check["passed"] else Text("FAIL", "red"))
        line.append(f" {check['message']}")
        if check.get("advisory"):
            line.append(" (advisory)", "dim")
        console.print(line, highlight=False)
    colour = "green" if record.status == "ok" else "red"
    stored = f" · stored as run {run_id}" if run_id is not None else ""
    outcome = Text(record.status, colour)
    outcome.append(f" · {record.answer} · {record.device} · {record.seconds:.1f} s{stored}")
    console.print(outcome, highlight=False)
    if record.message:  # one line, as the stderr `error:` line and the store have it
        console.print(Text(record.message), soft_wrap=True)
    # A run that hit its memory limit has said all there is: its traceback is the limit's.
    if (record.status not in ("ok", "cancelled") and record.stderr_tail
            and not memory.is_limit_message(record.message)):
        tail = "\n".join(record.stderr_tail.splitlines()[-12:])
        console.print(Text("stderr (last lines):", style="dim"))
        console.print(Text(tail, style="dim"))
