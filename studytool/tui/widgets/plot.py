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
        plt.title("loss / accuracy per epoch")
        xs = [int(r.get("epoch", i)) for i, r in enumerate(self._rows)]
        for key, label in (("train_loss", "train"), ("valid_loss", "valid")):
            points = [(x, r[key]) for x, r in zip(xs, self._rows, strict=True)
                      if isinstance(r.get(key), int | float)]
            if points:
                plt.plot([p[0] for p in points], [p[1] for p in points], label=label,
                         marker="braille")
        acc = [(x, r["accuracy"]) for x, r in zip(xs, self._rows, strict=True)
               if isinstance(r.get("accuracy"), int | float)]
        if acc:
            plt.plot([p[0] for p in acc], [p[1] for p in acc], label="acc", yside="right",
                     marker="braille")
        self.refresh()
