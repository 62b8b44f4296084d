"""Run lab: every runnable answer grouped by question; run one, watch it train, compare.

Enter runs the highlighted answer with the book's settings, k toggles quick settings, c runs
the whole self-check (one row per answer), Esc cancels a run (or goes back when none is going).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from studytool.tui.backend import book_rows, error_text
from studytool.tui.messages import DataChanged, RunFinished, RunStarted, RunStored
from studytool.tui.screens.base import StudyScreen
from studytool.tui.text import cell, markup, one_line, short_time
from studytool.tui.widgets.run_panel import RunPanel

if TYPE_CHECKING:
    from answers_code.registry import Answer
    from studytool.run_record import RunRecord
    from studytool.runner.selfcheck import Pool
    from studytool.tui.backend import Backend


@dataclass
class LabRow:
    """One row of the answers list: a question (`answer` None) or one answer under it."""

    question: str
    answer: str | None


@dataclass
class PastRuns(Message):
    answer: str | None
    records: list[RunRecord]


@dataclass
class CheckRow(Message):
    """One self-check row changed: `record` None means it just started."""

    name: str
    record: RunRecord | None
    error: str = ""


class RunLabScreen(StudyScreen):
    BINDINGS = [
        Binding("escape", "cancel_or_back", "Cancel/Back"),
        Binding("k", "toggle_quick", "Quick"),
        Binding("c", "self_check", "Self-check"),
        Binding("v", "tab('live')", "Live", show=False),
        Binding("p", "tab('past')", "Past runs"),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(self, answer: str | None = None) -> None:
        super().__init__()
        self.initial_answer = answer
        self.quick = False
        self.answers: dict[str, Answer] = {}
        self.check_running = False
        self._check_cancel = False
        self._check_handle: _PoolHandle | None = None
        self._past_for: str | None = None
        self.rows: list[LabRow] = []  # the answers list, row by row

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="lab"):
            yield OptionList(id="answers")
            with TabbedContent(id="lab-tabs", initial="live"):
                with TabPane("Live", id="live"):
                    yield RunPanel(id="lab-run")
                with TabPane("Past runs", id="past"):
                    yield DataTable(id="past-runs", cursor_type="row", zebra_stripes=True)
                with TabPane("Self-check", id="check"):
                    yield DataTable(id="check-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        # Short headers and times: at 80 columns every column but the device is in view.
        self.query_one("#past-runs", DataTable).add_columns(
            "when", "answer", "status", "ep", "acc", "secs", "device")
        check = self.query_one("#check-table", DataTable)
        for column in ("answer", "status", "seconds", "checks", "result"):
            check.add_column(column, key=column)
        self._fill_tree()
        self.query_one("#answers", OptionList).focus()
        self._load_past(None)

    def _fill_tree(self) -> None:
        try:
            from studytool.runner.catalog import all_answers

            self.answers = dict(all_answers())
        except Exception as exc:
            self.notify(f"cannot list the answers: {error_text(exc)}", severity="error")
            return
        self._build_tree()

    @on(DataChanged)
    def _data_changed(self) -> None:
        # The database (and with it the question texts) arrived after the screen opened.
        self._build_tree()
        self._load_past(self._past_for)

    def _build_tree(self) -> None:
        """Each question, its text wrapped in full (a list narrower than any question: cut,
        a learner could not tell which one it is), then the answers that answer it."""
        listing = self.query_one("#answers", OptionList)
        current = self.highlighted_row()
        wanted = current.answer if current is not None else self.initial_answer
        groups: dict[str, list[Answer]] = {}
        for answer in self.answers.values():
            for question in answer.questions or ("(no question)",):
                groups.setdefault(question, []).append(answer)
        backend = self.app.backend
        self.rows = []
        options: list[Option] = []
        cursor: int | None = None
        for question in sorted(groups, key=_question_order(backend)):
            text = backend.question_text(question) if backend else ""
            short = short_id(question)
            options.append(Option(cell(f"{short} {one_line(text, 1000)}" if text else short)))
            self.rows.append(LabRow(question, None))
            names = [answer.name for answer in groups[question]]
            for i, name in enumerate(names):
                guide = "└" if i == len(names) - 1 else "├"
                options.append(Option(cell(f" {guide} {name}")))
                if name == wanted and cursor is None:
                    cursor = len(self.rows)
                self.rows.append(LabRow(question, name))
        listing.clear_options()
        listing.add_options(options)
        if options:
            listing.highlighted = cursor if cursor is not None else 0
        if not self.answers:
            self.query_one("#lab-run", RunPanel).query_one(".run-title", Static).update(
                "No runnable answers are registered yet.")

    def highlighted_row(self) -> LabRow | None:
        """The question or answer under the list's cursor."""
        index = self.query_one("#answers", OptionList).highlighted
        return self.rows[index] if index is not None and index < len(self.rows) else None

    # -- running one answer -----------------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#answers")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # The idle panel names the answer Enter runs.
        panel = self.query_one("#lab-run", RunPanel)
        row = self.highlighted_row()
        if panel.running or not panel.has_class("-idle") or row is None:
            return
        name = row.answer or self._first_answer(event.option_index)
        backend = self.app.backend
        text = backend.question_text(row.question) if backend else ""
        panel.query_one(".run-title", Static).update(markup(
            "[b]$question[/b] · Enter runs [b]$name[/b]\n$text",
            question=short_id(row.question), name=name or "", text=one_line(text, 400)))

    def _first_answer(self, index: int) -> str | None:
        """A question's row: the first answer listed under it."""
        following = self.rows[index + 1] if index + 1 < len(self.rows) else None
        return following.answer if following is not None else None

    @on(OptionList.OptionSelected, "#answers")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        row = self.rows[event.option_index] if event.option_index < len(self.rows) else None
        if row is None:
            return
        name = row.answer
        if name is None:  # a question: its (first) answer
            name = self._first_answer(event.option_index)
            event.option_list.highlighted = event.option_index + 1
        if name:
            self.run_answer(name)

    def run_answer(self, name: str) -> None:
        answer = self.answers.get(name)
        if answer is None:
            self.notify(f"unknown answer '{name}'", severity="error")
            return
        if self.check_running:
            self.notify("The self-check is running: Esc cancels it.", severity="warning")
            return
        self.query_one("#lab-tabs", TabbedContent).active = "live"
        device = self.app.run_device()
        self.query_one("#lab-run", RunPanel).start(
            answer, quick=self.quick, device=device, book_rows=book_rows(answer),
            full_key="k, then Enter,")

    def on_run_stored(self, message: RunStored) -> None:
        if message.handle is not None:  # a run, not a self-check row: show it among past runs
            self._load_past(None)  # every answer's runs, newest first: nothing hidden

    def _load_past(self, answer: str | None) -> None:
        self._past_for = answer  # answers for any other answer arrive late and are dropped
        self._load_past_worker(answer)

    @work(thread=True, exit_on_error=False, group="lab-db")
    def _load_past_worker(self, answer: str | None) -> None:
        self._load_past_now(answer)

    def _load_past_now(self, answer: str | None) -> None:
        backend = self.app.backend
        if backend is None:
            return
        try:
            from studytool.store.runs import recent_runs

            records = recent_runs(backend.db, answer, limit=50)
        except Exception as exc:
            self.app.tell(f"past runs: {error_text(exc)}", severity="warning")
            return
        self.post_message(PastRuns(answer, list(records)))

    def on_past_runs(self, message: PastRuns) -> None:
        if message.answer != self._past_for:
            return
        table = self.query_one("#past-runs", DataTable)
        table.clear()
        now = datetime.now(UTC)
        for record in message.records:
            acc = record.final.get("accuracy") if record.final else None
            # What the database holds is shown as it is, never read as markup.
            table.add_row(short_time(record.started_at, now), cell(record.answer),
                          cell(record.status), str(len(record.epochs)),
                          f"{acc:.4f}" if isinstance(acc, float) else "-",
                          f"{record.seconds:.1f}", cell(record.device))

    # -- the whole self-check ---------------------------------------------------------------------

    def action_self_check(self) -> None:
        panel = self.query_one("#lab-run", RunPanel)
        if panel.running or self.check_running:
            self.notify("A run is already going: Esc cancels it.", severity="warning")
            return
        if not self.answers:
            return
        self.check_running = True
        self._check_cancel = False
        table = self.query_one("#check-table", DataTable)
        table.clear()
        for name in self.answers:
            table.add_row(cell(name), "queued", "", "", "", key=name)
        self.query_one("#lab-tabs", TabbedContent).active = "check"
        table.focus()
        self._run_check(list(self.answers), self.app.run_device())

    @work(thread=True, exit_on_error=False, exclusive=True, group="lab-check")
    def _run_check(self, names: list[str], device: str) -> None:
        # The engine's self-check pool: workers kept warm across answers, rows as they finish.
        from studytool.runner.selfcheck import Pool, default_workers, plan

        try:
            jobs = plan(names, quick=True, device=device)
        except Exception as exc:
            self.app.tell(error_text(exc), severity="error")
            self.post_message(CheckRow("", None))
            return
        pool = Pool(jobs, default_workers(), on_row=self._check_done)
        handle = self._check_handle = _PoolHandle(pool)
        self.app.post_message(RunStarted(handle))
        try:
            pool.run()
        except Exception as exc:
            self.app.tell(error_text(exc), severity="error")
        finally:
            self.app.post_message(RunFinished(handle))
            self._check_handle = None
        self.post_message(CheckRow("", None))

    def _check_done(self, record: RunRecord) -> None:
        self.post_message(CheckRow(record.answer, record))
        self.app.post_message(RunFinished(None, record))  # the app stores each row

    def on_check_row(self, message: CheckRow) -> None:
        table = self.query_one("#check-table", DataTable)
        if not message.name:
            self.check_running = False
            self.notify("Self-check cancelled." if self._check_cancel else "Self-check done.")
            return
        record = message.record
        if record is None:
            table.update_cell(message.name, "status", "error" if message.error else "running…",
                              update_width=True)
            if message.error:
                table.update_cell(message.name, "result", cell(message.error[:60]))
            return
        checks = record.checks or []
        passed = sum(1 for c in checks if c.get("passed"))
        table.update_cell(message.name, "status", cell(record.status), update_width=True)
        table.update_cell(message.name, "seconds", f"{record.seconds:.1f}")
        table.update_cell(message.name, "checks", f"{passed}/{len(checks)}")
        failed = [c.get("message", "") for c in checks if not c.get("passed")]
        table.update_cell(message.name, "result",
                          cell((failed[0] if failed else record.message or "")[:60]),
                          update_width=True)

    # -- keys -------------------------------------------------------------------------------------

    def action_cancel_or_back(self) -> None:
        panel = self.query_one("#lab-run", RunPanel)
        if panel.running:
            panel.cancel()
            return
        if self.check_running:
            self._check_cancel = True
            if self._check_handle is not None:
                self._check_handle.cancel()
            return
        self.app.pop_screen()

    def action_toggle_quick(self) -> None:
        self.quick = not self.quick
        self.notify("Quick settings (few epochs)" if self.quick else "The book's settings",
                    timeout=2)

    def action_tab(self, tab: str) -> None:
        self.query_one("#lab-tabs", TabbedContent).active = tab


class _PoolHandle:
    """Lets the app cancel a self-check pool like a single run."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def cancel(self) -> None:
        self.pool.cancel.set()


def short_id(question_id: str) -> str:
    """A question's id without its deck prefix: "ch12-q03" -> "q03" (the tree is narrow)."""
    return question_id.rsplit("-", 1)[-1]


def _question_order(backend: Backend | None) -> Callable[[str], tuple[int, bool, str]]:
    """Sort key: the decks' own order (questionnaire, then further research), unknown last."""
    order: dict[str, int] = {}
    for deck in (backend.decks.values() if backend else ()):
        for question in deck.questions:
            order.setdefault(question.id, len(order))
    # Before the decks are read: questionnaire items (-qNN) before further research (-frN).
    return lambda qid: (order.get(qid, len(order)), "-fr" in qid, qid)
