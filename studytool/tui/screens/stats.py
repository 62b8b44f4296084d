"""Stats: reviews per day, the 30-day due forecast, retention, cards by state, runs summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual_plotext import PlotextPlot

from studytool.tui.backend import error_text

if TYPE_CHECKING:
    from studytool.tui.app import StudyApp


class StatsLoaded(Message):
    def __init__(self, stats: Any, runs: list[Any]) -> None:
        super().__init__()
        self.stats = stats
        self.runs = runs


def _pairs(series: Any) -> list[tuple[str, int]]:
    """(label, count) from a dict {date: n} or a list of (date, n) / objects with date, count."""
    if series is None:
        return []
    items = series.items() if isinstance(series, dict) else series
    pairs = []
    for item in items:
        if isinstance(item, tuple | list):
            label, count = item[0], item[1]
        else:
            label, count = getattr(item, "date", "?"), getattr(item, "count", 0)
        text = label.strftime("%m-%d") if hasattr(label, "strftime") else str(label)[-5:]
        pairs.append((text, int(count or 0)))
    return pairs


class StatsScreen(Screen[None]):
    app: StudyApp  # type: ignore[assignment]
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("g", "reload", "Refresh")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="stats"):
            with Horizontal(id="stats-top"):  # numbers | runs
                yield Static("Loading…", id="stats-numbers")
                yield Static("", id="stats-runs")
            with Vertical(id="stats-plots"):
                yield PlotextPlot(id="per-day")
                yield PlotextPlot(id="forecast")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        if self.app.backend is not None:
            self._load()

    @work(thread=True, exit_on_error=False, exclusive=True, group="stats")
    def _load(self) -> None:
        try:
            backend = self.app.opened
            stats = backend.service.stats()
        except Exception as exc:
            self.app.tell(error_text(exc), severity="error")
            return
        try:
            from studytool.store.runs import recent_runs

            runs = list(recent_runs(backend.db, None, limit=200))
        except Exception:  # runs are a side note on this screen
            runs = []
        self.post_message(StatsLoaded(stats, runs))

    def on_stats_loaded(self, message: StatsLoaded) -> None:
        stats = message.stats
        retention = getattr(stats, "retention_30d", None)
        by_state = getattr(stats, "by_state", {}) or {}
        lines = [
            f"[b]Reviews today[/b]  {getattr(stats, 'reviews_today', 0)}",
            f"[b]Due tomorrow[/b]   {getattr(stats, 'due_tomorrow', 0)}",
            "[b]Retention 30d[/b]  "
            + (f"{retention:.0%}" if isinstance(retention, float) else "- (no reviews yet)"),
            "[b]Cards[/b]  " + ("  ".join(f"{state} {count}" for state, count in by_state.items()
                                        if count) or "none"),
        ]
        self.query_one("#stats-numbers", Static).update("\n".join(lines))
        self.query_one("#stats-runs", Static).update(runs_summary(message.runs))
        self._bars("#per-day", "Reviews per day", _pairs(getattr(stats, "reviews_per_day", [])))
        self._bars("#forecast", "Due in the next 30 days",
                   _pairs(getattr(stats, "forecast_30d", [])))

    def _bars(self, selector: str, title: str, pairs: list[tuple[str, int]]) -> None:
        plot = self.query_one(selector, PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        if pairs and any(count for _, count in pairs):
            xs = [float(i) for i in range(len(pairs))]
            plt.bar(xs, [count for _, count in pairs])
            # One label a week, chosen here: plotext's own pick among 30 labels is not stable.
            plt.xticks(xs[::7], [label for label, _ in pairs][::7])
        plot.refresh()


def runs_summary(runs: list[Any]) -> str:
    """Runs by status and each answer's best accuracy."""
    if not runs:
        return "[b]Runs[/b]\n  none yet (l on Home opens the run lab)"
    by_status: dict[str, int] = {}
    best: dict[str, float] = {}
    for run in runs:
        by_status[run.status] = by_status.get(run.status, 0) + 1
        acc = (run.final or {}).get("accuracy")
        if run.status == "ok" and isinstance(acc, float):
            best[run.answer] = max(best.get(run.answer, 0.0), acc)
    lines = ["[b]Runs[/b]  " + ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))]
    lines += [f"  best {name:<14}{acc:.3f}" for name, acc in sorted(best.items())[:3]]
    return "\n".join(lines)
