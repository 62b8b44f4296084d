"""The studytool Textual app: `studytool` with no arguments opens it (see `run_app`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel

from studytool.tui.backend import Backend, Clock, error_text, open_backend
from studytool.tui.messages import Cancellable, DataChanged, RunFinished, RunStarted, RunStored
from studytool.tui.screens.confirm import Confirm
from studytool.tui.screens.home import HomeScreen
from studytool.tui.text import markup

if TYPE_CHECKING:
    from studytool.deck import Deck
    from studytool.run_record import RunRecord
    from studytool.runner.warm import Spares

WARM_DELAY = 2.0  # seconds after the first paint before the spare worker starts warming


class BackendReady(Message):
    """The database is open and the decks are synced."""


class Notice(Message):
    """A notification asked for from a worker thread."""

    def __init__(self, text: str, options: dict[str, Any]) -> None:
        super().__init__()
        self.text = text
        self.options = options


class StudyApp(App[None]):
    """Home -> review / run lab / browse / stats / settings, all from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "studytool"
    SUB_TITLE = "fastbook chapter 12"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "toggle_keys", "Keys", show=False),
        # In a text field `?` is typed: F1 shows the keys from anywhere.
        Binding("f1", "toggle_keys", "Keys", show=False, priority=True),
    ]

    def __init__(
        self,
        db_url: str,
        *,
        clock: Clock | None = None,
        decks: Sequence[Deck] | None = None,
        device: str | None = None,
        service_options: dict[str, Any] | None = None,
        learner: str | None = None,
        warm_worker: bool = False,
    ) -> None:
        super().__init__()
        # `warm_worker`: keep a spare worker with torch imported for the next run (in a child:
        # this process never imports torch). Off by default so tests spawn no children.
        self.warm_worker = warm_worker
        self.spares: Spares | None = None
        self.db_url = db_url
        self.learner = learner  # None: the default one (or, on a class server, the role)
        self.clock = clock
        self._decks = decks
        self.device = device
        self.service_options = service_options  # e.g. tz, fuzz (tests make them fixed)
        self.backend: Backend | None = None
        self.backend_error: str | None = None
        self.started = time.perf_counter()
        self.first_paint_s: float | None = None
        # Runs and checks still going (or not yet stored): quitting cancels them so no child
        # outlives the app, and stores the runs as cancelled.
        self.active_runs: set[Cancellable] = set()

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())
        self.call_after_refresh(self._painted)
        self.open_database()

    def _painted(self) -> None:
        self.first_paint_s = time.perf_counter() - self.started
        if self.warm_worker:  # after the first paint, so start-up pays nothing for it
            self.set_timer(WARM_DELAY, self.start_spares)

    @work(thread=True, exit_on_error=False, group="spares")
    def start_spares(self) -> None:
        from studytool.runner.warm import Spares

        spares = Spares()
        self.spares = spares
        spares.start()

    @work(thread=True, exit_on_error=False, exclusive=True, group="open")
    def open_database(self) -> None:
        try:
            backend = open_backend(self.db_url, self.clock, self._decks,
                                   self.service_options, self.learner)
        except Exception as exc:  # a locked or newer database: a panel, never a crash
            self.backend_error = error_text(exc)
            self.tell(self.backend_error, title="Database", severity="error", timeout=15)
            self.post_message(BackendReady())
            return
        self.backend = backend
        self.learner = backend.db.learner
        for problem in backend.problems:
            self.tell(problem, title="Deck file", severity="warning", timeout=12)
        self.post_message(BackendReady())

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification is plain text: they carry file paths, deck problems, database
        and child-process errors, none of which may be parsed as markup (`markup` is
        ignored; screens and widgets pass True by default)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def tell(self, text: str, **options: Any) -> None:
        """`notify` that any thread may call, even while the app is closing."""
        self.post_message(Notice(text, options))

    def on_notice(self, message: Notice) -> None:
        self.notify(message.text, **message.options)

    def on_backend_ready(self, _message: BackendReady) -> None:
        if self.backend is not None:  # who is studying, on every screen's header
            self.sub_title = f"{self.SUB_TITLE} · studying as {self.backend.db.learner}"
        self._apply_stored_theme()
        self.on_data_changed()

    def _apply_stored_theme(self) -> None:
        # The learner's stored theme (Settings.theme), applied as soon as the database is open.
        if self.backend is None:
            return
        try:
            theme = self.backend.service.get_settings().theme
        except Exception:  # reading settings failed: keep the default look
            return
        if theme in self.available_themes:
            self.theme = theme

    def on_data_changed(self, _message: DataChanged | None = None) -> None:
        """Opened, or after an import: every open screen re-reads what it shows."""
        for screen in self.screen_stack:
            screen.post_message(DataChanged())

    @property
    def opened(self) -> Backend:
        """The backend for screens that only open once it is there (see require_backend)."""
        if self.backend is None:
            from studytool.errors import StudytoolError

            raise StudytoolError(self.backend_error or "the database is not open yet")
        return self.backend

    def run_device(self) -> str:
        """The device runs use: the app's own (tests), else the learner's default setting."""
        if self.device:
            return self.device
        try:
            return str(self.opened.service.get_settings().default_device or "auto")
        except Exception:  # no database yet: let the engine choose
            return "auto"

    def require_backend(self) -> Backend | None:
        """The backend, or None after telling the user why a screen cannot open yet."""
        if self.backend is None:
            why = self.backend_error or "still opening the database"
            self.notify(why, title="Not available", severity="warning")
        return self.backend

    def action_toggle_keys(self) -> None:
        """`?` shows every key of the current screen (the footer cannot fit them at 80x24),
        the screen's own first."""
        from studytool.tui.widgets.keys_panel import KeysPanel

        shown = self.screen.query(KeysPanel)
        if shown:
            shown.remove()
        else:
            self.screen.mount(KeysPanel())

    # -- the runs: tracked while they go, stored when they end -----------------------------------

    def on_run_started(self, message: RunStarted) -> None:
        self.active_runs.add(message.handle)

    def on_run_finished(self, message: RunFinished) -> None:
        if message.record is not None:
            self._store_finished(message.handle, message.record)
        elif message.handle is not None:
            self.active_runs.discard(message.handle)

    @work(thread=True, exit_on_error=False, group="store-run")
    def _store_finished(self, handle: Cancellable | None, record: RunRecord) -> None:
        # The handle stays tracked until the run is stored: a quit meanwhile stores it too.
        self.store_run(record)
        self.post_message(RunStored(handle, record))

    def on_run_stored(self, message: RunStored) -> None:
        if message.handle is not None:
            self.active_runs.discard(message.handle)
        for screen in self.screen_stack:
            screen.post_message(RunStored(message.handle, message.record))

    def store_run(self, record: RunRecord) -> None:
        """Save a finished run (any thread); a failure is a notification, not a lost app."""
        if self.backend is None:
            return
        try:
            from studytool.tui.backend import store_run

            store_run(self.backend, record)
        except Exception as exc:
            self.tell(f"run not saved: {error_text(exc)}", severity="warning")

    def cancel_runs(self) -> None:
        """Cancel every run still going and store each as cancelled (waits a few seconds)."""
        handles = list(self.active_runs)
        self.active_runs.clear()
        for handle in handles:
            try:
                handle.cancel()
            except Exception:  # the child may already be gone
                pass
        for handle in handles:
            wait = getattr(handle, "wait", None)  # a self-check pool stores its own rows
            if wait is None:
                continue
            try:
                record = wait(timeout=5.0)
            except Exception:  # never finished, or the device vanished: nothing to store
                continue
            self.store_run(record)

    async def action_quit(self) -> None:
        """q / ctrl+q: with a run or check still going, ask first; quitting anyway cancels
        each one and stores it as cancelled."""
        if not self.active_runs:
            await self._quit_now()
            return
        if isinstance(self.screen, Confirm):  # already asking
            return
        n = len(self.active_runs)
        question = markup("[b]$runs still going.[/b]\nQuit anyway? It is stopped and saved "
                          "as cancelled.", runs="A run is" if n == 1 else f"{n} runs are")

        async def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                await self._quit_now()

        self.push_screen(Confirm(question, "Quit", "Keep running"), answered)

    async def _quit_now(self) -> None:
        import asyncio

        await asyncio.to_thread(self.cancel_runs)
        self.exit()

    def on_unmount(self) -> None:
        self.cancel_runs()
        if self.spares is not None:
            self.spares.close()


    def switch_learner(self, name: str) -> None:
        """Study as `name` from now on (like Anki's profiles): the database is opened again
        for them and every screen re-reads. Called with no run going (LearnersScreen checks),
        so every run is stored for the learner who began it."""
        old = self.backend
        self.learner, self.backend, self.backend_error = name, None, None
        if old is not None:
            old.db.close()
        while len(self.screen_stack) > 2:  # back to home, which shows "Opening…" again
            self.pop_screen()
        self.open_database()


def run_app(db_url: str, learner: str | None = None) -> None:
    """Open the app on `db_url` (called by `studytool` with no arguments); a warm spare worker
    unless $STUDYTOOL_WARM is 0."""
    import os

    StudyApp(db_url, learner=learner,
             warm_worker=os.environ.get("STUDYTOOL_WARM", "1") != "0").run()
