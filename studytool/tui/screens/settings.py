"""Settings: daily limits, desired retention, day boundary, leeches, default device, theme
(stored)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Footer, Header, Input, Label, Select

from studytool.tui.backend import error_text
from studytool.tui.screens.base import StudyScreen

if TYPE_CHECKING:
    from studytool.config import Settings

DEVICES = ("auto", "cpu", "cuda", "mps")
# field -> (label, type); the domain's Settings validates the values it receives
NUMBERS = {
    "new_per_day": ("New cards per day", int),
    "max_reviews_per_day": ("Maximum reviews per day", int),
    "desired_retention": ("Desired retention (0.7-0.99)", float),
    "day_starts_at_hour": ("Day starts at (hour 0-23)", int),
    "leech_threshold": ("Leech after this many lapses", int),
}
LEECH_ACTIONS = (("tag it", "tag"), ("tag and suspend it", "suspend"))


@dataclasses.dataclass
class SettingsLoaded(Message):
    settings: Settings


class SettingsScreen(StudyScreen):
    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "back", "Back")]

    def __init__(self) -> None:
        super().__init__()
        self.settings: Settings | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="settings"):
            with Grid(id="settings-grid"):
                for name, (label, _kind) in NUMBERS.items():
                    yield Label(label)
                    yield Input(id=f"set-{name}", restrict=r"[0-9.]*")
                yield Label("Leech action")
                yield Select(LEECH_ACTIONS, allow_blank=False, value="tag",
                             id="set-leech_action")
                yield Label("Default device")
                yield Select([(d, d) for d in DEVICES], allow_blank=False, value="auto",
                             id="set-default_device")
                yield Label("Theme")
                yield Select([(t, t) for t in sorted(self.app.available_themes)],
                             allow_blank=False, value=self.app.theme, id="set-theme")
        # Outside the scrolling fields: at 80x24 the fields scroll, Save stays in view.
        with Horizontal(id="settings-actions"):
            yield Button("Save (ctrl+s)", id="save", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exit_on_error=False, exclusive=True, group="settings")
    def _load(self) -> None:
        self.read_then_post(lambda service: service.get_settings(), SettingsLoaded)

    def on_settings_loaded(self, message: SettingsLoaded) -> None:
        self.settings = message.settings
        for name in NUMBERS:
            self.query_one(f"#set-{name}", Input).value = str(getattr(self.settings, name))
        self.query_one("#set-default_device", Select).value = self.settings.default_device
        self.query_one("#set-leech_action", Select).value = self.settings.leech_action
        theme = getattr(self.settings, "theme", None)
        if theme in self.app.available_themes:
            self.query_one("#set-theme", Select).value = theme
        self.query_one(f"#set-{next(iter(NUMBERS))}", Input).focus()

    @on(Select.Changed, "#set-theme")
    def _theme_changed(self, event: Select.Changed) -> None:
        # Preview at once; it is stored with the rest on save.
        if isinstance(event.value, str):
            self.app.theme = event.value

    def action_back(self) -> None:
        # Leaving without saving: the previewed theme goes back to the stored one.
        stored = getattr(self.settings, "theme", None)
        if stored in self.app.available_themes and stored != self.app.theme:
            self.app.theme = stored
        self.app.pop_screen()

    @on(Button.Pressed, "#save")
    def _pressed(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.settings is None:
            return
        changes: dict[str, Any] = {}
        for name, (label, kind) in NUMBERS.items():
            text = self.query_one(f"#set-{name}", Input).value.strip()
            try:
                changes[name] = kind(text)
            except ValueError:
                self.notify(f"{label}: '{text}' is not a number", severity="error")
                return
        for name in ("default_device", "leech_action"):
            changes[name] = self.query_one(f"#set-{name}", Select).value
        changes["theme"] = self.app.theme  # the previewed theme is the chosen one
        self._save(dataclasses.replace(self.settings, **changes))

    @work(thread=True, exit_on_error=False, exclusive=True, group="settings")
    def _save(self, settings: Settings) -> None:
        try:
            moved = self.app.opened.service.save_settings(settings)
        except Exception as exc:  # the service rejects out-of-range values with a message
            self.app.tell(error_text(exc), severity="error")
            return
        self.settings = settings
        # A new desired retention moved the studied cards' due dates (same transaction).
        self.app.tell("Settings saved." + (f" {moved.text()}." if moved else ""),
                      timeout=6 if moved else 3)
