"""A live plot of loss and accuracy per epoch (textual-plotext)."""

from __future__ import annotations

from typing import Any

from textual_plotext import PlotextPlot


class MetricsPlot(PlotextPlot):
    """Train/valid loss on the left axis, accuracy on the right, one point per epoch."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[dict[str, Any]] = []

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def reset(self) -> None:
        self._rows = []
        self._draw()

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self._rows = list(rows)
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        # No plotext legend (it is drawn over the data): RunPanel names the colours above.
        xs = [int(r.get("epoch", i)) for i, r in enumerate(self._rows)]
        for key, color in (("train_loss", "blue"), ("valid_loss", "red")):
            points = [(x, r[key]) for x, r in zip(xs, self._rows, strict=True)
                      if isinstance(r.get(key), int | float)]
            if points:
                plt.plot([p[0] for p in points], [p[1] for p in points], color=color,
                         marker="braille")
        acc = [(x, r["accuracy"]) for x, r in zip(xs, self._rows, strict=True)
               if isinstance(r.get("accuracy"), int | float)]
        if acc:
            plt.plot([p[0] for p in acc], [p[1] for p in acc], yside="right", color="green",
                     marker="braille")
        if xs:
            # Epochs are whole numbers from 0; one epoch still gets an axis from 0 to 1.
            last = max(max(xs), 1)
            plt.xlim(0, last)
            ticks = whole_ticks(last)
            plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])
        self.refresh()


def whole_ticks(last: int, most: int = 6) -> list[int]:
    """Whole-number ticks from 0 to `last` (epochs, counts), at most about `most` of them."""
    step = max(1, -(-last // (most - 1)))
    ticks = list(range(0, last + 1, step))
    return ticks if ticks[-1] == last else [*ticks, last]
