"""Browse: every card in a table, searchable, filtered and sorted (a header click or `o`);
its memory state (S, D, R) and marks; Enter shows the card with its history; suspend toggle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Select, Static
from textual.widgets.select import NoSelection

from studytool.ratings import RATING_NAMES
from studytool.tui.backend import error_text
from studytool.tui.messages import DataChanged
from studytool.tui.screens.base import StudyScreen
from studytool.tui.text import cell, local_time, markup, one_line

if TYPE_CHECKING:
    from studytool.srs import CardView, ReviewRow

STATES = ("new", "learning", "review", "relearning")


# column -> width; the sortable ones have a key (a card with no value sorts last)
COLUMNS: dict[str, int | None] = {"card": 10, "state": 10, "due": 16, "marks": 10, "S": 7,
                                  "D": 5, "R": 6, "question": None}
SORT_KEYS: dict[str, Callable[[CardView], Any]] = {
    "card": lambda c: c.question_id, "state": lambda c: c.state, "due": lambda c: c.due,
    "S": lambda c: c.stability, "D": lambda c: c.difficulty, "R": lambda c: c.retrievability,
}
SORT_CYCLE = (None, "S", "D", "R")  # what `o` steps through (None: the deck's order)


@dataclass
class CardsLoaded(Message):
    cards: list[CardView]
    generation: int  # which request this answers (older ones are dropped)
    now: datetime  # the service's clock, for the buried mark


@dataclass
class HistoryLoaded(Message):
    card_id: int
    rows: list[ReviewRow]


def is_suspended(card: CardView) -> bool:
    flag = getattr(card, "suspended", None)
    return bool(flag) if flag is not None else card.state == "suspended"


def marks(card: CardView, now: datetime) -> str:
    """What keeps the card out of today's queue (a buried card still reads `new`, due
    today), and whether it is a leech."""
    buried = card.buried_until is not None and card.buried_until > now
    return " ".join(m for m, on in (("susp", is_suspended(card)), ("buried", buried),
                                    ("leech", card.leech)) if on)


def _number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _sorted(cards: list[CardView], column: str | None, reverse: bool) -> list[CardView]:
    if column is None:
        return cards
    key = SORT_KEYS[column]
    known = sorted((c for c in cards if key(c) is not None), key=key, reverse=reverse)
    return known + [c for c in cards if key(c) is None]


class BrowseScreen(StudyScreen):
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("s", "toggle_suspend", "Suspend/unsuspend"),
        Binding("o", "cycle_sort", "Sort S/D/R"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, CardView] = {}
        self._generation = 0
        self.sort: tuple[str | None, bool] = (None, False)  # column, descending
        self.shown: int | None = None  # the card whose question Enter showed
        self._loaded: CardsLoaded | None = None

    def compose(self) -> ComposeResult:
        backend = self.app.backend
        decks = sorted(backend.decks) if backend else []
        tags = sorted({t for d in (backend.decks.values() if backend else ())
                       for q in d.questions for t in q.tags})
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder="search  (/)", id="search")
            # Deck ids and tags come from the files: prompts as text, never markup.
            yield Select([(cell(d), d) for d in decks], prompt="deck", id="f-deck")
            yield Select([(s, s) for s in STATES], prompt="state", id="f-state")
            yield Select([(cell(t), t) for t in tags], prompt="tag", id="f-tag")
            yield Select([("suspended", True), ("active", False)], prompt="all", id="f-susp")
        yield DataTable(id="cards", cursor_type="row", zebra_stripes=True)
        # Bounded and scrollable, so a long answer never pushes the table and log off screen.
        with VerticalScroll(id="card-text-box"):
            yield Static("", id="card-text")
        yield Static("", id="history-title")
        yield DataTable(id="history", cursor_type="none")
        yield Footer()

    def on_mount(self) -> None:
        cards = self.query_one("#cards", DataTable)
        # Fixed widths: the table does not jump as rows come and go.
        for column, width in COLUMNS.items():
            cards.add_column(column, key=column, width=width)
        history = self.query_one("#history", DataTable)
        for column, width in (("when", 16), ("rating", 6), ("state", 22), ("next due", 16),
                              ("seconds", 7)):
            history.add_column(column, width=width)
        self.query_one("#card-text-box").display = False
        cards.focus()
        self._reload()

    # -- loading ----------------------------------------------------------------------------------

    def _filters(self) -> dict[str, Any]:
        def value(selector: str) -> Any:
            selected = self.query_one(selector, Select).value
            return None if isinstance(selected, NoSelection) else selected

        return {"query": self.query_one("#search", Input).value.strip(),
                "deck": value("#f-deck"), "state": value("#f-state"),
                "tag": value("#f-tag"), "suspended": value("#f-susp")}

    @on(DataChanged)
    def _reload(self) -> None:
        if self.app.backend is not None:
            # A thread worker cannot be stopped, so a slower earlier query may answer last:
            # only the newest request's answer is shown.
            self._generation += 1
            self._load(self._filters(), self._generation)

    @work(thread=True, exit_on_error=False, exclusive=True, group="browse")
    def _load(self, filters: dict[str, Any], generation: int) -> None:
        self._fetch(filters, generation)

    def _fetch(self, filters: dict[str, Any], generation: int) -> None:
        """Query the cards (in a worker thread) and post them to the UI thread."""
        try:
            cards = self.app.opened.service.browse(**filters)
        except Exception as exc:
            self.app.tell(error_text(exc), severity="error")
            return
        self.post_message(CardsLoaded(list(cards), generation, self.app.opened.service.now()))

    def on_cards_loaded(self, message: CardsLoaded) -> None:
        if message.generation != self._generation:
            return
        self._loaded = message
        self._fill(message)

    def _fill(self, message: CardsLoaded) -> None:
        table = self.query_one("#cards", DataTable)
        row = table.cursor_row
        table.clear()
        self.cards = {}
        for card in _sorted(message.cards, *self.sort):
            key = str(card.card_id)
            self.cards[key] = card
            table.add_row(cell(card.question_id), cell(card.state), local_time(card.due),
                          marks(card, message.now), _number(card.stability, ".1f"),
                          _number(card.difficulty, ".1f"), _number(card.retrievability, ".0%"),
                          cell(one_line(str(card.text), 60)), key=key)
        if message.cards:
            table.move_cursor(row=min(max(row, 0), len(message.cards) - 1))
        if not message.cards:
            self.query_one("#history-title", Static).update("no cards match")
            self.query_one("#history", DataTable).clear()

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def _filters_changed(self) -> None:
        self._reload()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one("#cards", DataTable).focus()

    @on(DataTable.HeaderSelected, "#cards")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        if column in SORT_KEYS:  # the same header again reverses the order
            self._sort_by(column, self.sort == (column, False))

    def action_cycle_sort(self) -> None:
        column = SORT_CYCLE[(SORT_CYCLE.index(self.sort[0]) + 1) % len(SORT_CYCLE)
                            if self.sort[0] in SORT_CYCLE else 0]
        self._sort_by(column, False)

    def _sort_by(self, column: str | None, reverse: bool) -> None:
        self.sort = (column, reverse)
        if self._loaded is not None:
            self._fill(self._loaded)
        order = "deck order" if column is None else f"by {column}" + (" ↓" if reverse else "")
        self.app.tell(f"sorted {order}", timeout=2)

    @on(DataTable.RowHighlighted, "#cards")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        card = self.cards.get(str(event.row_key.value))
        if card is not None:
            self._load_history(card.card_id)
            self._show_text(card if self.shown is not None else None)

    @on(DataTable.RowSelected, "#cards")
    def _selected(self, event: DataTable.RowSelected) -> None:
        card = self.cards.get(str(event.row_key.value))
        # Enter shows the card itself above its log (and hides it again).
        self._show_text(card if card is not None and self.shown != card.card_id else None)

    def _show_text(self, card: CardView | None) -> None:
        self.shown = None if card is None else card.card_id
        box = self.query_one("#card-text-box", VerticalScroll)
        box.display = card is not None
        if card is not None:
            self.query_one("#card-text", Static).update(
                markup("[b]Q[/b] $q\n[b]A[/b] $a", q=card.text, a=card.answer))
            box.scroll_home(animate=False)

    @work(thread=True, exit_on_error=False, exclusive=True, group="history")
    def _load_history(self, card_id: int) -> None:
        self.read_then_post(lambda service: list(service.history(card_id)),
                            lambda rows: HistoryLoaded(card_id, rows))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        current = self._current()
        if current is None or current.card_id != message.card_id:
            return  # the cursor has moved on since this was asked for
        table = self.query_one("#history", DataTable)
        table.clear()
        for row in message.rows:
            seconds = f"{row.duration_ms / 1000:.1f}" if row.duration_ms else "-"
            table.add_row(local_time(row.reviewed_at),
                          RATING_NAMES.get(row.rating, str(row.rating)),
                          cell(f"{row.state_before} → {row.state_after}"),
                          local_time(row.due_after), seconds)
        count = f"{len(message.rows)} reviews" if message.rows else "never reviewed"
        # The question in full: at 80 columns the table has room for only its first letters.
        self.query_one("#history-title", Static).update(markup(
            "[b]$id[/b] $text\n$count · s suspends/unsuspends it", id=current.question_id,
            text=one_line(str(current.text), 1000), count=count))

    # -- actions ----------------------------------------------------------------------------------

    def _current(self) -> CardView | None:
        table = self.query_one("#cards", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self.cards.get(str(key.value))

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_toggle_suspend(self) -> None:
        card = self._current()
        if card is not None:
            self._generation += 1
            self._toggle(card, self._filters(), self._generation)

    @work(thread=True, exit_on_error=False, group="browse-write")
    def _toggle(self, card: CardView, filters: dict[str, Any], generation: int) -> None:
        service = self.app.opened.service
        try:
            if is_suspended(card):
                service.unsuspend(card.card_id)
                note = f"{card.question_id} unsuspended"
            else:
                service.suspend(card.card_id)
                note = f"{card.question_id} suspended"
        except Exception as exc:
            self.app.tell(error_text(exc), severity="error")
            return
        self.app.tell(note, timeout=3)
        self._fetch(filters, generation)

    def action_back(self) -> None:
        if self.focused is self.query_one("#search", Input):
            self.query_one("#cards", DataTable).focus()
            return
        self.app.pop_screen()
