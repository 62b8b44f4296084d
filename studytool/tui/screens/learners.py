"""Learners (like Anki's profiles): who studies in this database; switch, or add one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from studytool.tui.backend import error_text
from studytool.tui.text import cell

if TYPE_CHECKING:
    from studytool.tui.app import StudyApp


class NamesLoaded(Message):
    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names


class LearnersScreen(Screen[None]):
    app: StudyApp  # type: ignore[assignment]
    BINDINGS = [
        Binding("enter", "switch", "Study as"),
        Binding("a", "add", "Add learner"),
        Binding("escape", "back", "Back"),
    ]

    _added: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="learners"):
            yield Static("", id="learners-who")
            yield DataTable(id="learner-list", cursor_type="row", zebra_stripes=True)
            yield Input(placeholder="new learner's name (a-z, 0-9, _), Enter to add",
                        id="new-learner", classes="hidden")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("", "Learner")
        self.load()

    @work(thread=True, exclusive=True, group="learners")
    def load(self) -> None:
        from studytool.store.learners import learner_names

        db = self.app.opened.db
        with db.session(write=False) as session:
            self.post_message(NamesLoaded(learner_names(session)))

    def on_names_loaded(self, message: NamesLoaded) -> None:
        current = self.app.opened.db.learner
        self.query_one("#learners-who", Static).update(
            f"Studying as {current}. Enter switches to the learner under the cursor; "
            "a adds one.")
        table = self.query_one(DataTable)
        table.clear()
        for name in message.names:
            table.add_row("▶" if name == current else "", cell(name), key=name)
        if self._added in message.names:  # the cursor on the one just added: Enter studies
            table.move_cursor(row=message.names.index(self._added))
        table.focus()

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_switch()  # Enter on the table (it takes Enter before the screen does)

    def action_switch(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count or self.query_one(Input).has_focus:
            return
        name = str(table.get_row_at(table.cursor_row)[1].plain)
        if self.app.active_runs:
            self.app.notify("finish or cancel the runs first: they belong to "
                            f"{self.app.opened.db.learner}", severity="warning")
            return
        self.app.switch_learner(name)

    def action_add(self) -> None:
        field = self.query_one(Input)
        field.remove_class("hidden")
        field.focus()

    @on(Input.Submitted, "#new-learner")
    def _submitted(self, event: Input.Submitted) -> None:
        self.add_learner(event.value.strip())

    @work(thread=True, exclusive=True, group="learners")
    def add_learner(self, name: str) -> None:
        from studytool.store.learners import add_learner

        db = self.app.opened.db
        try:
            if db.role is not None:
                raise ValueError("on a class server the teacher adds learners "
                                 "(studytool class setup)")
            with db.session() as session:
                added = add_learner(session, name)
        except Exception as exc:  # a bad name, a read-only file: say so, keep the screen
            self.app.tell(error_text(exc), severity="error")
            return
        self.app.tell(f"added learner {name}" if added else f"{name} is already here")
        self._added = name
        self.app.call_from_thread(self._close_field)
        self.load()

    def _close_field(self) -> None:
        self.query_one(Input).add_class("hidden")
        self.query_one(DataTable).focus()

    def action_back(self) -> None:
        if not self.query_one(Input).has_class("hidden"):
            self._close_field()
            return
        self.app.pop_screen()
