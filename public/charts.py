"""Bar charts drawn on the server as SVG: sizes in percent, so the text keeps its size at any
width and the chart never needs to scroll sideways."""

from dataclasses import dataclass

ROW_HEIGHT = 60  # pixels: a label line and a bar under it
BAR_HEIGHT = 22
LABEL_BASELINE = 18
BAR_TOP = 28


@dataclass
class Bar:
    label: str
    value_label: str
    percent: float
    top: int
    partial: bool

    @property
    def width(self) -> str:
        """The bar's length as an SVG percentage, written the same in every locale."""
        return f"{self.percent:.2f}%"

    @property
    def label_y(self) -> int:
        return self.top + LABEL_BASELINE

    @property
    def bar_y(self) -> int:
        return self.top + BAR_TOP


@dataclass
class BarChart:
    bars: list[Bar]

    @property
    def height(self) -> int:
        return ROW_HEIGHT * len(self.bars)

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT

    @property
    def has_partial(self) -> bool:
        return any(bar.partial for bar in self.bars)


def bar_chart(rows: list[tuple[str, str, int, bool]]) -> BarChart:
    """A horizontal bar per ``(label, value_label, value, partial)``, the longest bar full width."""
    largest = max((value for _, _, value, _ in rows), default=0)
    return BarChart(
        [
            Bar(
                label=label,
                value_label=value_label,
                percent=round(value * 100 / largest, 2) if largest else 0,
                top=n * ROW_HEIGHT,
                partial=partial,
            )
            for n, (label, value_label, value, partial) in enumerate(rows)
        ]
    )
