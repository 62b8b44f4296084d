"""A live plot of loss and accuracy per epoch (textual-plotext), with the book's curves."""

from __future__ import annotations

from typing import Any

from textual_plotext import PlotextPlot

# The book's series are dotted in their own colours, so ours stay the solid lines.
BOOK_SERIES = (("valid_loss", "magenta", "left"), ("accuracy", "yellow", "right"))


class MetricsPlot(PlotextPlot):
    """Train/valid loss on the left axis, accuracy on the right, one point per epoch; the
    book's valid loss and accuracy for the same model beside them when given."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[dict[str, Any]] = []
        self._book: list[dict[str, Any]] = []

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def reset(self, book: list[dict[str, Any]] | None = None) -> None:
        self._rows = []
        self._book = list(book or [])
        self._draw()

    @property
    def book(self) -> list[dict[str, Any]]:
        """The book's rows drawn beside ours (dotted)."""
        return list(self._book)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self._rows = list(rows)
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        # No plotext legend (it is drawn over the data): RunPanel names the colours above.
        xs = [int(r.get("epoch", i)) for i, r in enumerate(self._rows)]
        for key, color, side in BOOK_SERIES:
            points = [(int(r.get("epoch", i)), r[key]) for i, r in enumerate(self._book)
                      if isinstance(r.get(key), int | float)]
            if points:
                plt.plot([p[0] for p in points], [p[1] for p in points], yside=side,
                         color=color, marker="dot")
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
        every = xs + [int(r.get("epoch", i)) for i, r in enumerate(self._book)]
        if every:
            # Epochs are whole numbers from 0; one epoch still gets an axis from 0 to 1.
            last = max(max(every), 1)
            plt.xlim(0, last)
            ticks = whole_ticks(last)
            plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])
        self.refresh()


def whole_ticks(last: int, most: int = 6) -> list[int]:
    """Whole-number ticks from 0 to `last` (epochs, counts), at most about `most` of them."""
    step = max(1, -(-last // (most - 1)))
    ticks = list(range(0, last + 1, step))
    return ticks if ticks[-1] == last else [*ticks, last]
