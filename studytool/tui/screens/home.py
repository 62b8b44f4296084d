"""Home: the decks with their counts and today's progress; keys to every other screen."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from studytool.tui.messages import DataChanged
from studytool.tui.screens.base import StudyScreen
from studytool.tui.text import cell, markup

if TYPE_CHECKING:
    from studytool.srs import DeckSummary

MENU = (
    "[b]Enter[/b]/[b]r[/b] review the deck   [b]l[/b] run lab   [b]b[/b] browse cards   "
    "[b]e[/b] exercises   [b]t[/b] stats   [b]o[/b] settings   [b]x[/b] export/import   "
    "[b]p[/b] learners   [b]c[/b] class   [b]m[/b] cram   [b]?[/b] all keys   [b]q[/b] quit"
)


# action_open's names (each the screen's module): its key, its footer label, its class, and
# whether it needs the database
SCREENS = {
    "runlab": ("l", "Run lab", "RunLabScreen", False),
    "browse": ("b", "Browse", "BrowseScreen", True),
    "exercises": ("e", "Exercises", "ExercisesScreen", False),
    "stats": ("t", "Stats", "StatsScreen", True),
    "settings": ("o", "Settings", "SettingsScreen", True),
    "exchange": ("x", "Export/Import", "ExchangeScreen", True),
    "learners": ("p", "Learners", "LearnersScreen", True),
    "class_view": ("c", "Class", "ClassScreen", True),
}


@dataclass
class SummariesLoaded(Message):
    summaries: list[DeckSummary]


class HomeScreen(StudyScreen):
    _resumed = False
    # A key pressed while the database opens (Enter right after launch): done once it is open.
    _pending: tuple[str, ...] | None = None
    AUTO_FOCUS = ""  # none: the deck table takes focus (and Enter) once it has its rows

    BINDINGS = [
        Binding("r", "review", "Review"),
        Binding("enter", "review", "Review", show=False),  # until the deck table takes focus
        # exam mode: the deck's studied cards, most likely forgotten first; no schedule change
        Binding("m", "review(True)", "Cram", show=False),
        # The footer at 80x24 has room for the first six and q; x, p and c are in the menu line.
        *(Binding(key, f"open({name!r})", label,
                  show=name not in ("exchange", "learners", "class_view"))
          for name, (key, label, _, _) in SCREENS.items()),
        Binding("g", "refresh", "Refresh", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static("Opening the database…", id="today")
            yield DataTable(id="decks", cursor_type="row", zebra_stripes=True)
            yield Static(MENU, id="menu")
        yield Footer(compact=True, show_command_palette=False)  # q Quit fits at 80 columns

    def on_mount(self) -> None:
        table = self.query_one("#decks", DataTable)
        table.add_columns("Deck", "New", "Learning", "Review", "Due", "Today")
        if self.app.backend is not None or self.app.backend_error:
            self.refresh_data()

    def on_screen_resume(self) -> None:
        # Back from a review or a settings change: the counts moved. (The first resume is the
        # screen's own opening, which on_mount already covers.)
        if self._resumed and self.app.backend is not None:
            self.refresh_data()
        self._resumed = True

    @on(DataChanged)
    def refresh_data(self) -> None:
        if self.app.backend is None:
            if self.app.backend_error:
                self._pending = None
                self.query_one("#today", Static).update(markup(
                    "[b]Cannot open the database:[/b] $error", error=self.app.backend_error))
                self.query_one("#decks", DataTable).focus()
            return
        self._load()

    def _opening(self, *action: str) -> bool:
        """True (and `action` kept for later) while the database is still opening."""
        if self.app.backend is not None or self.app.backend_error:
            return False
        self._pending = action
        what = "review starts" if action == ("review",) else f"{action[1]} opens"
        self.query_one("#today", Static).update(f"Opening the database… {what} once it is open.")
        return True

    @work(thread=True, exit_on_error=False, exclusive=True, group="home")
    def _load(self) -> None:
        self.read_then_post(lambda service: list(service.deck_summaries()), SummariesLoaded)

    def on_summaries_loaded(self, message: SummariesLoaded) -> None:
        table = self.query_one("#decks", DataTable)
        row = table.cursor_row
        table.clear()
        for s in message.summaries:
            table.add_row(cell(s.title or s.id), str(s.new), str(s.learning), str(s.review),
                          str(s.due_today), str(s.reviewed_today), key=s.id)
        if message.summaries:
            table.move_cursor(row=min(max(row, 0), len(message.summaries) - 1))
        due = sum(s.due_today for s in message.summaries)
        done = sum(s.reviewed_today for s in message.summaries)
        if not message.summaries:
            text = "No decks installed. Add a question file and restart (see `studytool validate`)."
        elif due:
            text = f"Today: [b]{done}[/b] reviewed, [b]{due}[/b] due. Press Enter to review."
        else:
            text = f"Today: [b]{done}[/b] reviewed. Nothing is due: well done."
        self.query_one("#today", Static).update(text)
        table.focus()
        pending, self._pending = self._pending, None
        if pending and pending[0] == "review":
            self.action_review(cram=pending[1:] == ("cram",))
        elif pending:
            self.action_open(pending[1])

    def _selected_deck(self) -> str | None:
        table = self.query_one("#decks", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value)

    @on(DataTable.RowSelected, "#decks")
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_review()

    def action_review(self, cram: bool = False) -> None:
        pending = ("review", "cram") if cram else ("review",)
        if self._opening(*pending) or self.app.require_backend() is None:
            return
        from studytool.tui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self._selected_deck(), cram))

    def action_open(self, name: str) -> None:
        """l, b, e, t, o, x: open that screen (imported only now: the first frame is light)."""
        _key, _label, class_name, needs_database = SCREENS[name]
        if needs_database and (self._opening("open", name) or self.app.require_backend() is None):
            return
        screen = getattr(importlib.import_module(f"studytool.tui.screens.{name}"), class_name)
        self.app.push_screen(screen())

    def action_refresh(self) -> None:
        self.refresh_data()
