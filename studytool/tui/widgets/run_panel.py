"""A run of one answer: progress, epoch table beside the book's, live plot, and the outcome.

The run itself is the run engine's child process; this widget only starts it from a thread
worker and turns the events the engine reports into messages for the UI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable, ProgressBar, RichLog, Static

from studytool.tui.backend import error_text
from studytool.tui.messages import RunFinished, RunStarted
from studytool.tui.text import cell, markup, plain
from studytool.tui.widgets.plot import MetricsPlot

if TYPE_CHECKING:
    from answers_code.registry import Answer
    from studytool.run_record import RunRecord
    from studytool.runner.engine import RunHandle
    from studytool.tui.app import StudyApp

EPOCH_COLUMNS = ("epoch", "train", "valid", "acc", "time")
BOOK_COLUMNS = ("book valid", "book acc")
# Columns' widths on screen (cell or header, plus padding), and which go first when narrow.
COLUMN_WIDTHS = {"epoch": 7, "train": 7, "valid": 7, "acc": 7, "time": 8,
                 "book valid": 12, "book acc": 10}
DROP_ORDER = ("time", "book valid")
PLOT_MIN_ROWS = 7  # a plot (and its legend line) shorter than this says nothing


def visible_columns(width: int, with_book: bool) -> tuple[str, ...]:
    """The epoch table's columns that fit `width`: time, then the book's loss, go first."""
    columns = [*EPOCH_COLUMNS, *(BOOK_COLUMNS if with_book else ())]
    for name in DROP_ORDER:
        if sum(COLUMN_WIDTHS[c] for c in columns) <= width:
            break
        if name in columns:
            columns.remove(name)
    return tuple(columns)


def _fmt(value: object, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def epoch_cells(row: dict[str, Any], book: dict[str, Any] | None) -> tuple[str, ...]:
    """One table row: our epoch, then the book's numbers for the same epoch (if shown)."""
    seconds = row.get("seconds", row.get("time"))
    time_text = f"{seconds:.1f}s" if isinstance(seconds, int | float) else _fmt(seconds)
    cells = (_fmt(row.get("epoch")), _fmt(row.get("train_loss"), 3),
             _fmt(row.get("valid_loss"), 3), _fmt(row.get("accuracy"), 3), time_text)
    if book is None:
        return cells
    return (*cells, _fmt(book.get("valid_loss"), 3), _fmt(book.get("accuracy"), 3))


class RunPanel(Vertical):
    """Starts a run with `start(answer)`; `cancel()` stops it; posts `RunPanel.Finished`."""
    app: StudyApp  # type: ignore[assignment]

    class Event(Message):
        def __init__(self, panel: RunPanel, event: dict[str, Any]) -> None:
            super().__init__()
            self.panel = panel
            self.event = event

    class Finished(Message):
        """The run ended (any status): the engine's record, or None and why it has none."""

        def __init__(self, panel: RunPanel, record: RunRecord | None,
                     error: str | None = None) -> None:
            super().__init__()
            self.panel = panel
            self.record = record
            self.error = error

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        # "-idle" hides the table and the plot until the first run starts.
        super().__init__(id=id, classes=f"-idle {classes or ''}".strip())
        self.answer_name: str | None = None
        self.handle: RunHandle | None = None
        self.running = False
        self._epochs: list[dict[str, Any]] = []
        self._book: list[dict[str, Any]] = []
        self._columns: tuple[str, ...] = ()
        self._quick_note = ""
        self._full_key = ""

    def compose(self) -> ComposeResult:
        yield Static("Choose an answer and press Enter to run it.", classes="run-title")
        yield ProgressBar(total=None, show_eta=False, classes="run-progress")
        yield DataTable(classes="run-epochs", cursor_type="none", zebra_stripes=True)
        yield Static("", classes="run-book")
        yield Static(LEGEND, classes="run-legend")
        yield MetricsPlot(classes="run-plot")
        # Wrapped: a demo's printed lines are read in full, not cut at the panel's edge.
        yield RichLog(classes="run-log", max_lines=500, wrap=True, min_width=20, markup=False)
        yield Static("", classes="run-message")

    def on_mount(self) -> None:
        self._fill_table()
        self.query_one(".run-progress").display = False  # shown once a run starts

    # -- starting and stopping ------------------------------------------------------------------

    def start(self, answer: Answer, *, quick: bool = False, device: str = "auto",
              book_rows: list[dict[str, Any]] | None = None, full_key: str = "") -> bool:
        """Start `answer` (a registry Answer); False when a run is already going. `full_key`
        names the key that starts the full run, offered when a quick run ends."""
        if self.running:
            self.notify("A run is already going: Esc cancels it.", severity="warning")
            return False
        self.answer_name = answer.name
        self.running = True
        self._epochs = []
        self._book = list(book_rows or [])
        self._quick_note = quick_note(answer, quick)
        self._full_key = full_key
        epochs = answer.params_for(quick).get("epochs") if answer.trains else None
        self.query_one(".run-progress").display = True
        self.query_one(".run-progress", ProgressBar).update(
            total=epochs if isinstance(epochs, int) and epochs > 0 else None, progress=0)
        self._fill_table()
        self.query_one(".run-book", Static).update(_book_note(self._book, self._quick_note))
        self.query_one(".run-legend", Static).update(LEGEND + (BOOK_LEGEND if self._book else ""))
        self.query_one(MetricsPlot).reset(self._book)
        self.query_one(".run-log", RichLog).clear()
        # Answers that train get the table and the plot; demos get their printed output.
        self.set_class(not answer.trains, "-demo")
        self.remove_class("-idle")
        mode = self._quick_note or "book settings"  # a quick run identical to it is one
        self._title(markup("[b]$name[/b] · running ($mode, $device)… [dim]Esc cancels[/dim]"
                           "\n$title", name=answer.name, mode=mode, device=device,
                           title=answer.title))
        self._message(plain(""))
        self._run(answer.name, device, quick)
        self.call_after_refresh(self._fit)
        return True

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self._title(markup("[b]$name[/b] · cancelling…", name=self.answer_name))

    @work(thread=True, exit_on_error=False, exclusive=True, group="run")
    def _run(self, name: str, device: str, quick: bool) -> None:
        try:
            from studytool.runner import start_run

            # The engine merges the answer's defaults (and its quick settings) itself.
            handle = start_run(name, {}, device=device, timeout=None,
                               on_event=lambda ev: self.post_message(RunPanel.Event(self, ev)),
                               quick=quick, spares=self.app.spares)
        except Exception as exc:  # unknown answer, bad device: a message, not a crash
            self.post_message(RunPanel.Finished(self, None, error_text(exc)))
            return
        self.app.post_message(RunStarted(handle))  # before `handle` is seen: quit stops it
        self.handle = handle
        record, error = None, None
        try:
            record = handle.wait()
        except Exception as exc:  # the device vanished: reported like a failed start
            error = error_text(exc)
        # The app stores the run, so a run started anywhere is kept.
        self.app.post_message(RunFinished(handle, record))
        self.post_message(RunPanel.Finished(self, record, error))

    # -- events from the engine -----------------------------------------------------------------

    def on_run_panel_event(self, message: RunPanel.Event) -> None:
        if message.panel is not self:
            return
        message.stop()
        event = message.event
        kind = event.get("event")
        if kind == "epoch":
            self._add_epoch(event)
        elif kind == "progress":
            total, done = event.get("total"), event.get("done")
            if isinstance(total, int) and isinstance(done, int) and not self._epochs:
                self.query_one(".run-progress", ProgressBar).update(total=total, progress=done)
        elif kind == "log":
            self.query_one(".run-log", RichLog).write(str(event.get("text", "")))

    def _add_epoch(self, row: dict[str, Any]) -> None:
        index = len(self._epochs)
        # The child says which epoch; anything but a whole number (a string, say) is the
        # row's place instead, so the table and the plot always have an axis to stand on.
        epoch = row.get("epoch")
        if not isinstance(epoch, int) or isinstance(epoch, bool):
            row = {**row, "epoch": index}
        self._epochs.append(row)
        self._table_row(index)
        self.query_one(".run-epochs", DataTable).scroll_end(animate=False)
        bar = self.query_one(".run-progress", ProgressBar)
        if bar.total is not None:
            bar.update(progress=len(self._epochs))
        self.query_one(MetricsPlot).set_rows(self._epochs)
        self.call_after_refresh(self._fit)

    def on_run_panel_finished(self, message: RunPanel.Finished) -> None:
        if message.panel is not self:
            return
        # Not stopped: the screen hears about it too.
        self.running = False
        self.handle = None
        record = message.record
        bar = self.query_one(".run-progress", ProgressBar)
        if record is None:
            self._title(markup("[b]$name[/b] · could not start", name=self.answer_name))
            self._message(plain(f"error: {message.error}"))
            bar.update(total=1, progress=0)
            return
        if not self._epochs and record.epochs:
            for row in record.epochs:
                self._add_epoch(vars(row))
        if record.status == "ok":
            bar.update(total=bar.total or 1, progress=bar.total or 1)
        quick = f" · {self._quick_note}" if self._quick_note else ""
        self._title(markup("[b]$name[/b] · $status in $seconds on $device$quick",
                           name=record.answer, status=record.status,
                           seconds=f"{record.seconds:.1f}s", device=record.device, quick=quick))
        outcome = outcome_text(record)
        if self._quick_note and self._full_key:
            outcome = Content("\n").join([outcome, markup(
                "[b]$key[/b] runs it at the book's settings: a quick run is not the book's",
                key=self._full_key)])
        self._message(outcome)
        self.call_after_refresh(self._fit)

    # -- the epoch table at any width -----------------------------------------------------------

    def _width(self) -> int:
        # Before the first layout (a panel just shown) the size is 0: guess from the screen.
        return self.size.width or self.app.size.width // 2

    def _fill_table(self) -> None:
        """(Re)build the table with the columns that fit, rows included."""
        self._columns = visible_columns(self._width(), bool(self._book))
        table = self.query_one(".run-epochs", DataTable)
        table.clear(columns=True)
        table.add_columns(*self._columns)
        for index in range(len(self._epochs)):
            self._table_row(index)

    def _table_row(self, index: int) -> None:
        book = None
        if self._book:
            book = self._book[index] if index < len(self._book) else {}
        cells = dict(zip((*EPOCH_COLUMNS, *BOOK_COLUMNS),
                         epoch_cells(self._epochs[index], book), strict=False))
        # The child reports these: a string in an epoch event is shown, never read as markup.
        self.query_one(".run-epochs", DataTable).add_row(*(cell(cells[c])
                                                           for c in self._columns))

    def on_resize(self, _event: Resize) -> None:
        if visible_columns(self._width(), bool(self._book)) != self._columns:
            self._fill_table()
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Every epoch row stays in view (the whole run's, reserved from the start, so rows
        never scroll away): when the panel is too short for all of it, the plot gives way
        first, then the book's note line, then the finished run's progress bar."""
        if self.has_class("-idle") or self.has_class("-demo") or not self.size.height:
            return
        bar = self.query_one(".run-progress", ProgressBar)
        rows = max(len(self._epochs), int(bar.total or 0)) + 1  # and the header
        book = self.query_one(".run-book", Static)
        book_rows = book.outer_size.height if book.display and not self.has_class(
            "-no-book") else 1
        room = self.size.height - sum(self.query_one(name).outer_size.height
                                      for name in (".run-title", ".run-message"))
        room -= 1  # the progress bar's line
        left = room - rows
        self.set_class(left < PLOT_MIN_ROWS + 1 + book_rows, "-no-plot")
        self.set_class(left < book_rows, "-no-book")
        if not self.running and left < 0:  # the run is over: its bar's line goes to a row
            bar.display = False
            left += 1
        table = self.query_one(".run-epochs", DataTable)
        table.styles.height = max(2, rows + min(left, 0))

    # -- small helpers --------------------------------------------------------------------------

    def _title(self, text: Content) -> None:
        self.query_one(".run-title", Static).update(text)

    def _message(self, text: Content) -> None:
        self.query_one(".run-message", Static).update(text)


# The plot's series colours (see MetricsPlot), named here instead of a legend over the data.
LEGEND = ("[blue]━[/] train  [red]━[/] valid  [green]━[/] acc "
          "[dim](right)[/dim]")


BOOK_LEGEND = "  [magenta]·[/] book valid  [yellow]·[/] book acc"


def quick_note(answer: Answer, quick: bool) -> str:
    """'quick: 1 of 10 epochs' for a quick run of a trained answer; '' when the run is the
    answer's own settings (no quick settings, or not asked for)."""
    if not quick or answer.params_for(True) == answer.params_for(False):
        return ""
    ran, full = answer.params_for(True).get("epochs"), answer.params_for(False).get("epochs")
    if answer.trains and isinstance(ran, int) and isinstance(full, int) and ran != full:
        return f"quick: {ran} of {full} epochs"
    return "quick settings"


def _book_note(rows: list[dict[str, Any]], quick: str = "") -> Content:
    if not rows:
        return plain("")
    last = rows[-1]
    note = f"the book: {len(rows)} epochs, final accuracy {_fmt(last.get('accuracy'))}"
    if quick:
        note += f" · this run: {quick.removeprefix('quick: ')} (quick), not the book's schedule"
    return markup("[dim]$note[/dim]", note=note)


def outcome_text(record: RunRecord) -> Content:
    """What the learner needs after a run: final metrics, checks, or why it failed."""
    lines: list[str] = []
    if record.status == "ok":
        final = ", ".join(f"{k}={_clip(_fmt(v))}" for k, v in list(record.final.items())[:6]
                          if isinstance(v, int | float | str))
        if final:
            lines.append(f"final: {final}")
    else:
        lines.append(f"{record.status}: {record.message or 'no reason given'}")
        if record.stderr_tail:
            tail = "\n".join(record.stderr_tail.strip().splitlines()[-8:])
            lines.append(f"stderr:\n{tail}")
    for check in record.checks or []:
        mark = "✓" if check.get("passed") else "✗"
        lines.append(f"{mark} {check.get('message') or check.get('label', '')}")
    return plain("\n".join(lines))


def _clip(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

