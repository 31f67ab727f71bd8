"""Charts drawn on the server as SVG: nothing fetched, nothing run in the browser."""

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    done: int
    total: int
    y: int
    width: float

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class BarChart:
    bars: list[Bar]
    height: int
    label_width: int = 330
    bar_width: int = 300


def bar_chart(rows: list[tuple[str, int, int]], row_height: int = 26) -> BarChart:
    """Horizontal bars of done / total per label (the share of answers 対応済)."""
    bars = [
        Bar(label, done, total, i * row_height, (300 * done / total) if total else 0)
        for i, (label, done, total) in enumerate(rows)
    ]
    return BarChart(bars, max(row_height, len(bars) * row_height))
