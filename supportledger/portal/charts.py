"""Geometry of the burn-down chart, drawn as SVG by the template (no script,
no CDN). Bars: hours used per month; line: prepaid hours left at month end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from supportledger.portal.queries import BurnMonth

WIDTH = 640
HEIGHT = 240
LEFT = 48
BOTTOM = 28
TOP = 12


@dataclass(frozen=True)
class Bar:
    month: date
    x: int
    y: int
    width: int
    height: int
    used_hours: Decimal
    left_hours: Decimal
    label_x: int


@dataclass(frozen=True)
class Tick:
    y: int
    hours: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    base_y: int
    bars: list[Bar]
    line: str  # SVG polyline points
    ticks: list[Tick]
    empty: bool


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def _nice_top(minutes: int) -> int:
    hours = max(1, -(-minutes // 60))
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if hours <= step * 4:
            return step * 4
    return -(-hours // 1000) * 1000


def burn_down_chart(months: list[BurnMonth]) -> Chart:
    base_y = HEIGHT - BOTTOM
    plot_h = base_y - TOP
    peak = max([m.used_minutes for m in months] + [m.prepaid_left_minutes for m in months] + [0])
    top_hours = _nice_top(peak)
    slot = (WIDTH - LEFT) // max(len(months), 1)

    def y_of(minutes: int) -> int:
        return base_y - round(plot_h * minutes / (top_hours * 60))

    bars = []
    points = []
    for index, month in enumerate(months):
        x = LEFT + index * slot
        y = y_of(month.used_minutes)
        bars.append(
            Bar(
                month=month.month,
                x=x + slot // 6,
                y=y,
                width=slot * 2 // 3,
                height=base_y - y,
                used_hours=_hours(month.used_minutes),
                left_hours=_hours(month.prepaid_left_minutes),
                label_x=x + slot // 2,
            )
        )
        points.append(f"{x + slot // 2},{y_of(max(month.prepaid_left_minutes, 0))}")
    ticks = [Tick(y_of(top_hours * 60 * share // 4), top_hours * share // 4) for share in range(5)]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        base_y=base_y,
        bars=bars,
        line=" ".join(points),
        ticks=ticks,
        empty=peak == 0,
    )
