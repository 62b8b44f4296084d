"""Export and import: the same calls as `studytool export` / `studytool import`, run in a thread.

Export writes JSON, the CSV review log, an Anki package or the Markdown report; import merges a
JSON export into this database. Each shows the one line the exchange API returns; a long one
shows a progress bar with the counts meanwhile.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Footer, Header, Input, Label, ProgressBar, Select, Static

from studytool.tui.backend import error_text
from studytool.tui.messages import DataChanged
from studytool.tui.screens.base import StudyScreen
from studytool.tui.text import markup, plain

if TYPE_CHECKING:
    from studytool.exchange.progress import Progress

FORMATS = (("JSON (everything, importable)", "json"), ("CSV review log", "csv"),
           ("Anki package (.apkg)", "apkg"), ("Markdown report", "md"))
EXTENSIONS = {fmt for _, fmt in FORMATS}
SHOW_AFTER = 0.5  # seconds: a quick export or import draws no bar


@dataclass
class ExchangeProgress(Message):
    """How far a long export or import is (a `studytool.exchange.progress.Progress`)."""

    progress: Progress


@dataclass
class ExchangeDone(Message):
    """An export or import finished: the line to show, and whether it worked."""

    kind: str
    line: str
    ok: bool


def default_path(fmt: str) -> str:
    return str(Path.cwd() / f"studytool-export.{fmt}")


class ExchangeScreen(StudyScreen):
    BINDINGS = [
        Binding("ctrl+e", "export", "Export"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self._confirmed: tuple[str, str] | None = None  # (format, path) the learner may replace
        self._started = 0.0

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="exchange"):
            # On top: at 24 rows the bottom of the form is below the fold.
            yield Static("", id="exchange-result")
            # Shown while a long export or import runs: the bar, then what went through.
            yield ProgressBar(id="exchange-bar", show_eta=True)
            yield Label("", id="exchange-counts", markup=False)
            yield Static("[b]Export[/b]", classes="exchange-head")
            with Grid(classes="exchange-grid"):
                yield Label("Format")
                yield Select(FORMATS, allow_blank=False, value="json", id="export-format")
                yield Label("Write to")
                yield Input(default_path("json"), id="export-path")
            yield Button("Export (Enter in the path, or ctrl+e)", id="export", variant="primary")
            yield Static("[b]Import[/b] a JSON export (merged into this database)",
                         classes="exchange-head -second")
            with Grid(classes="exchange-grid"):
                yield Label("Read from")
                yield Input(placeholder="path to a studytool JSON export", id="import-path")
            yield Button("Import", id="import")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-format", Select).focus()
        self._show_progress(False)

    def _show_progress(self, shown: bool) -> None:
        self.query_one("#exchange-bar").display = shown
        self.query_one("#exchange-counts").display = shown

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        # Keep the file's extension in step with the format, so a CSV never lands in x.json.
        path = self.query_one("#export-path", Input)
        current = Path(path.value.strip())
        if isinstance(event.value, str) and current.suffix.lstrip(".") in EXTENSIONS:
            path.value = str(current.with_suffix(f".{event.value}"))

    @on(Button.Pressed, "#export")
    @on(Input.Submitted, "#export-path")
    def action_export(self) -> None:
        fmt = self.query_one("#export-format", Select).value
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.notify("Say where to write the export.", severity="warning")
            return
        target = Path(path).expanduser()
        if target.exists() and self._confirmed != (str(fmt), path):
            # An export replaces the file: ask once, so a backup is not lost to a slip.
            self._confirmed = (str(fmt), path)
            self.notify(f"{target} exists: export again to replace it.", severity="warning")
            return
        self._confirmed = None
        self._start("export", str(fmt), path)

    @on(Button.Pressed, "#import")
    @on(Input.Submitted, "#import-path")
    def action_import(self) -> None:
        path = self.query_one("#import-path", Input).value.strip()
        if not path:
            self.notify("Say which file to import.", severity="warning")
            return
        self._start("import", "", path)

    def _start(self, kind: str, fmt: str, path: str) -> None:
        if self.busy:
            self.notify("Still working on the last one.", severity="warning")
            return
        self.busy = True
        self._started = time.monotonic()
        self.query_one("#exchange-result", Static).update(f"{kind}ing…")
        self._exchange(kind, fmt, path)

    @work(thread=True, exit_on_error=False, exclusive=True, group="exchange")
    def _exchange(self, kind: str, fmt: str, path: str) -> None:
        # Imported when first used, so the app starts without the exchange code.
        from studytool.exchange.api import export_to, import_from

        target = Path(path).expanduser()
        try:
            db = self.app.opened.service.db
            if kind == "export":
                line = export_to(db, fmt, target, self._progress)
            else:
                line = import_from(db, target, progress=self._progress)
        except Exception as exc:  # StudytoolError: its one line; anything else: short text
            self.post_message(ExchangeDone(kind, error_text(exc), False))
            return
        self.post_message(ExchangeDone(kind, line, True))

    def _progress(self, progress: Progress) -> None:
        # In the worker thread, at most ten times a second (the exchange code's pace).
        self.post_message(ExchangeProgress(progress))

    def on_exchange_progress(self, message: ExchangeProgress) -> None:
        progress = message.progress
        if not self.busy or time.monotonic() - self._started < SHOW_AFTER:
            return  # a quick one draws no bar; a late report after the work ended neither
        bar = self.query_one("#exchange-bar", ProgressBar)
        if progress.total:
            bar.update(total=progress.total, progress=progress.done)
        else:
            bar.update(total=None)
        counts = progress.counts_text()
        label = self.query_one("#exchange-counts", Label)
        label.update(f"{progress.amount_text()}" + (f": {counts}" if counts else ""))
        self._show_progress(True)

    def on_exchange_done(self, message: ExchangeDone) -> None:
        self.busy = False
        self._show_progress(False)
        result = self.query_one("#exchange-result", Static)
        # The line names paths and quotes files: text, never markup.
        result.update(plain(message.line) if message.ok
                      else markup("[b]error:[/b] $line", line=message.line))
        if not message.ok:
            self.notify(message.line, title=message.kind.capitalize(), severity="error",
                        timeout=10)
            return
        self.notify(message.line, timeout=5)
        if message.kind == "import":
            self.app.post_message(DataChanged())  # every open screen re-reads its counts
