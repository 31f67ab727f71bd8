"""Charts drawn on the server as SVG: nothing fetched, nothing run in the browser."""

from dataclasses import dataclass

BAR_WIDTH = 300


@dataclass
class Bar:
    """One section over the selected systems: of the items that apply, how many are
    answered and how many the ward accepted (適合); and how many 対応済 answers the
    automated check finds 不適合."""

    label: str
    applicable: int
    answered: int
    accepted: int
    conflicts: int
    y: int

    def _width(self, n: int) -> float:
        return BAR_WIDTH * n / self.applicable if self.applicable else 0

    @property
    def answered_width(self) -> float:
        return self._width(self.answered)

    @property
    def accepted_width(self) -> float:
        return self._width(self.accepted)

    @property
    def answered_percent(self) -> int:
        return round(100 * self.answered / self.applicable) if self.applicable else 0

    @property
    def accepted_percent(self) -> int:
        return round(100 * self.accepted / self.applicable) if self.applicable else 0


@dataclass
class BarChart:
    bars: list[Bar]
    height: int
    label_width: int = 330
    bar_width: int = BAR_WIDTH


def bar_chart(rows: list[tuple[str, int, int, int, int]], row_height: int = 26) -> BarChart:
    """rows: (section, applicable, answered, accepted, scan conflicts)."""
    bars = [Bar(*r, y=i * row_height) for i, r in enumerate(rows)]
    return BarChart(bars, max(row_height, len(bars) * row_height))
