"""Stats: reviews per day, the 30-day due forecast, retention, cards by state, leeches,
runs summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Header, Static
from textual_plotext import PlotextPlot

from studytool.tui.backend import error_text
from studytool.tui.screens.base import StudyScreen
from studytool.tui.text import lines, markup, plain
from studytool.tui.widgets.plot import whole_ticks

if TYPE_CHECKING:
    from studytool.run_record import RunRecord
    from studytool.srs import Stats


@dataclass
class StatsLoaded(Message):
    stats: Stats
    runs: list[RunRecord]


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


class StatsScreen(StudyScreen):
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
        per_day = _pairs(getattr(stats, "reviews_per_day", []))
        by_state = getattr(stats, "by_state", {}) or {}
        numbers = self.query_one("#stats-numbers", Static)
        width = numbers.size.width or self.app.size.width * 3 // 5 - 2
        rows = [
            f"[b]Reviews today[/b]  {getattr(stats, 'reviews_today', 0)}",
            f"[b]Due tomorrow[/b]   {getattr(stats, 'due_tomorrow', 0)}",
            *item_lines("Retention 30d", retention_text(
                getattr(stats, "retention_30d", None), sum(n for _, n in per_day)).split(),
                width, sep=" "),
            *item_lines("Cards", [f"{state} {count}" for state, count in by_state.items()
                                  if count] or ["none"], width),
        ]

        # Question ids come from deck files: the leeches' line is text, never markup.
        head, *rest = item_lines("Leeches", list(getattr(stats, "leeches", [])) or ["none"],
                                 width)
        label = "[b]Leeches[/b]  "
        numbers.update(lines([Content.from_markup("\n".join(rows)),
                              markup(label + "$ids", ids=head[len(label):]),
                              *map(plain, rest)]))
        self.query_one("#stats-runs", Static).update(runs_summary(message.runs, self._order()))
        self._bars("#per-day", "Reviews per day", per_day)
        # The simulated workload at the desired retention sits in the forecast's title: a
        # line more in the numbers would squeeze the plots at 80x24.
        workload = getattr(stats, "workload", None)
        title = "Due in the next 30 days" + (
            f" · workload {workload.per_day:.1f}/day at {workload.retention:.2f}"
            if workload is not None else "")
        self._bars("#forecast", title, _pairs(getattr(stats, "forecast_30d", [])))

    def _order(self) -> list[str]:
        """The catalogue's answer names (registry order), for sorting the best runs."""
        try:
            from studytool.runner.catalog import all_answers

            return list(all_answers())
        except Exception:  # no catalogue: names sort on their own
            return []

    def _bars(self, selector: str, title: str, pairs: list[tuple[str, int]]) -> None:
        plot = self.query_one(selector, PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        if pairs and any(count for _, count in pairs):
            xs = [float(i) for i in range(len(pairs))]
            counts = [count for _, count in pairs]
            plt.bar(xs, counts)
            ticks = whole_ticks(max(counts), most=5)  # counts: never 0.33 or 1.67
            plt.yticks([float(t) for t in ticks], [str(t) for t in ticks])
            # One label a week, chosen here: plotext's own pick among 30 labels is not stable.
            plt.xticks(xs[::7], [label for label, _ in pairs][::7])
        plot.refresh()


def retention_text(retention: float | None, reviews: int) -> str:
    """Retention, or why there is none: no reviews at all, or none of review-state cards."""
    if isinstance(retention, float):
        return f"{retention:.0%}"
    if reviews:
        return "- (no reviews of cards in the review state yet)"
    return "- (no reviews yet)"


def item_lines(label: str, items: list[str], width: int, sep: str = "  ") -> list[str]:
    """`label  a  b  c`, continued under the first item so no item is split at the edge."""
    lines = [f"[b]{label}[/b]  "]
    start = used = len(label) + 2
    for item in items:
        gap = sep if used > start else ""
        if used + len(gap) + len(item) > width and used > start:
            lines.append(" " * start)
            used, gap = start, ""
        lines[-1] += gap + item
        used += len(gap) + len(item)
    return lines


def answer_order(name: str, catalogue: list[str]) -> tuple[int, int, str]:
    """The book's models first (lmmodel1..7 by number), then the catalogue's order."""
    if name.startswith("lmmodel") and name[7:].isdigit():
        return (0, int(name[7:]), name)
    position = catalogue.index(name) if name in catalogue else len(catalogue)
    return (1, position, name)


def runs_summary(runs: list[RunRecord], catalogue: list[str] | None = None,
                 most: int = 8) -> Content:
    """Runs by status and the best accuracy of every answer that trained (names and statuses
    come from the database: shown as they are, never read as markup)."""
    if not runs:
        return markup("[b]Runs[/b]\n  none yet (l on Home opens the run lab)")
    by_status: dict[str, int] = {}
    best: dict[str, tuple[float, int]] = {}  # accuracy and the epochs it took
    for run in runs:
        by_status[run.status] = by_status.get(run.status, 0) + 1
        acc = (run.final or {}).get("accuracy")
        if run.status == "ok" and run.epochs and isinstance(acc, int | float):
            best[run.answer] = max(best.get(run.answer, (0.0, 0)), (float(acc), len(run.epochs)))
    counts = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
    rows = [markup("[b]Runs[/b]  $counts", counts=counts)]
    names = sorted(best, key=lambda name: answer_order(name, catalogue or []))
    if names:
        rows.append(markup("[b]Best accuracy[/b]"))
    # The epochs say whether a figure is a 1-epoch self-check or a full run.
    rows += [plain(f"  {name:<16}{best[name][0]:.3f}  {best[name][1]} ep")
             for name in names[:most]]
    if len(names) > most:
        rows.append(plain(f"  … {len(names) - most} more (run lab, Past runs)"))
    return lines(rows)
