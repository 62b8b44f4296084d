"""`?`: the keys of the current screen, the app's own first.

Textual's help panel lists the focused widget's bindings first (an Input's cursor keys, a
table's paging), so at 80x24 the keys that do this screen's work fell below the fold. Here
the screen's keys lead, then the ones that work everywhere, then the focused widget's.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

# Section order: the screen's own keys, the app's, then the focused widget's (and its parents').
SECTIONS = ("screen", "app", "widget")
# Every screen's focus keys (tab, shift+tab) work everywhere: not a screen's own.
GENERIC = {b.action for b in Screen.BINDINGS if isinstance(b, Binding)}


def key_rows(screen: Screen[object]) -> dict[str, list[tuple[str, str]]]:
    """(keys, description) per section, each action once with all of its keys."""
    app = screen.app
    grouped: dict[str, dict[str, tuple[list[str], Binding]]] = {s: {} for s in SECTIONS}
    for node, binding, _enabled, _tooltip in screen.active_bindings.values():
        if binding.system or not binding.description:
            continue
        own = node is screen and binding.action not in GENERIC
        section = "screen" if own else "app" if node in (screen, app) else "widget"
        keys, _first = grouped[section].setdefault(binding.action, ([], binding))
        shown = app.get_key_display(binding)
        if shown not in keys:
            keys.append(shown)
    return {section: [(" ".join(keys), binding.description)
                      for keys, binding in actions.values()]
            for section, actions in grouped.items()}


def key_table(screen: Screen[object]) -> Group:
    """Each section's title on its own line, then its keys beside their descriptions."""
    titles = {"screen": "This screen", "app": "Everywhere",
              "widget": _widget_title(screen)}
    parts: list[Text | Table] = []
    for section, rows in key_rows(screen).items():
        if not rows:
            continue
        parts.append(Text(titles[section], style="underline"))
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for keys, description in rows:
            # Descriptions are our own binding texts, shown as plain text all the same.
            table.add_row(Text(keys), Text(description))
        parts += [table, Text("")]
    return Group(*parts)


def _widget_title(screen: Screen[object]) -> str:
    focused = screen.focused
    return f"In the {type(focused).__name__}" if focused is not None else "Other keys"


class KeysPanel(VerticalScroll, can_focus=False):
    """A side panel with `key_table`, redrawn when the screen's keys change (focus moves)."""

    DEFAULT_CSS = """
    KeysPanel {
        split: right;
        width: 33%;
        min-width: 30;
        max-width: 60;
        height: 1fr;
        border-left: vkey $foreground 30%;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(key_table(self.screen), id="keys-table")

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.query_one("#keys-table", Static).update(key_table(screen))
