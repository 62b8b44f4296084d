"""Stats screen and charts: retention wording, whole-number ticks, best runs, 1-epoch plots."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from test_tui_support import (
    NOW,
    press,
    started,
)

from studytool.run_record import EpochRow, RunRecord
from studytool.tui.screens.stats import StatsScreen, item_lines, runs_summary
from studytool.tui.widgets.plot import MetricsPlot, whole_ticks
from studytool.tui.widgets.run_panel import visible_columns


def _run(answer: str, acc: float, epochs: int = 2, status: str = "ok") -> RunRecord:
    rows = [EpochRow(i, 2.0 - i / 10, 2.1 - i / 10, acc, 1.0) for i in range(epochs)]
    return RunRecord(answer=answer, status=status, device="cpu", epochs=rows,
                     final={"accuracy": acc}, seconds=1.0, started_at=NOW,
                     finished_at=NOW + timedelta(seconds=1))


def _y_labels(plot) -> list[str]:
    """The left axis labels of a rendered plotext chart."""
    text = plot.plt.build()
    from rich.text import Text

    plain = Text.from_ansi(text).plain
    return [line.split("┤")[0].strip() for line in plain.splitlines() if "┤" in line]


@pytest.mark.slow
async def test_stats_after_new_card_reviews(tmp_path: Path) -> None:
    from studytool.store import open_db
    from studytool.store.runs import save_run

    async with started(tmp_path) as (app, pilot):
        db = open_db(app.db_url)
        for record in (_run("baseline", 0.15, epochs=0), _run("lmmodel3", 0.48),
                       _run("lmmodel1", 0.45), _run("lmmodel1", 0.49), _run("avg-loss", 0.9),
                       _run("lmmodel2", 0.47), _run("lmmodel2", 0.99, status="failed")):
            save_run(db, record)
        await press(pilot, app, "enter")
        for key in ("space", "3", "space", "1", "space", "4", "s", "escape", "t"):
            await press(pilot, app, key)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        numbers = str(screen.query_one("#stats-numbers").render())
        assert "no reviews of cards in the review state yet" in " ".join(numbers.split())
        # No state is split from its count at 80 columns.
        assert all(not line.strip().isdigit() for line in numbers.splitlines())
        assert "suspended 1" in numbers
        runs = str(screen.query_one("#stats-runs").render())
        best = [line.split()[:2] for line in runs.splitlines() if line.startswith("  ")]
        assert all(line.endswith(" 2 ep") for line in runs.splitlines() if line.startswith("  "))
        # Best of the ok runs that trained, the book's models first by number.
        assert best == [["lmmodel1", "0.490"], ["lmmodel2", "0.470"], ["lmmodel3", "0.480"],
                        ["avg-loss", "0.900"]]
        for selector in ("#per-day", "#forecast"):
            labels = _y_labels(screen.query_one(selector))
            assert labels and all(label.isdigit() for label in labels if label), labels


def test_retention_says_no_reviews_when_there_were_none() -> None:
    from studytool.tui.screens.stats import retention_text

    assert retention_text(None, 0) == "- (no reviews yet)"
    assert retention_text(0.875, 9) == "88%"


def test_item_lines_never_split_an_item() -> None:
    lines = item_lines("Cards", ["new 1", "learning 2", "review 1", "suspended 1"], 36)
    assert lines == ["[b]Cards[/b]  new 1  learning 2  review 1", "       suspended 1"]


def test_runs_summary_lists_every_trained_answer_up_to_a_limit() -> None:
    runs = [_run(f"lmmodel{n}", 0.4 + n / 100) for n in range(7, 0, -1)]
    runs += [_run("a-demo", 0.1, epochs=0), _run("zz", 0.3), _run("yy", 0.2)]
    text = runs_summary(runs, ["zz", "yy"], most=8).plain
    names = [line.split()[0] for line in text.splitlines() if line.startswith("  ")]
    assert names[:7] == [f"lmmodel{n}" for n in range(1, 8)]
    assert names[7] == "zz" and "1 more" in text and "a-demo" not in text
    lmmodel1 = next(line for line in text.splitlines() if line.startswith("  lmmodel1 "))
    assert lmmodel1.split()[1:] == ["0.410", f"{len(runs[6].epochs)}", "ep"]


def test_epoch_table_columns_give_way_at_narrow_widths() -> None:
    assert visible_columns(80, True)[-2:] == ("book valid", "book acc")
    assert "time" not in visible_columns(55, True)
    assert visible_columns(39, True) == ("epoch", "train", "valid", "acc", "book acc")
    assert visible_columns(39, False)[-1] == "time"


def test_whole_ticks() -> None:
    assert whole_ticks(1) == [0, 1]
    assert whole_ticks(3, most=5) == [0, 1, 2, 3]
    assert whole_ticks(30, most=6) == [0, 6, 12, 18, 24, 30]
    assert whole_ticks(7, most=5) == [0, 2, 4, 6, 7]


async def test_one_epoch_plots_from_zero(tmp_path: Path) -> None:
    from textual.app import App, ComposeResult

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield MetricsPlot()

    app = One()
    async with app.run_test(size=(60, 20)) as pilot:
        plot = app.query_one(MetricsPlot)
        plot.set_rows([{"epoch": 0, "train_loss": 2.0, "valid_loss": 2.1, "accuracy": 0.3}])
        await pilot.pause()
        from rich.text import Text

        plain = Text.from_ansi(plot.plt.build()).plain
        axis = plain.splitlines()[-1].split()
        assert axis == ["0", "1"], plain  # not -1..1
        assert "train" not in plain  # no legend over the data: the panel names the colours
