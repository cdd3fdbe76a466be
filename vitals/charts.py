"""Geometry of the admin dashboard's server-rendered SVG charts (no JavaScript, no CDN)."""

from dataclasses import dataclass

from vitals.models import Metric

# web.dev thresholds: (good up to, poor from). Times in milliseconds; CLS unitless.
THRESHOLDS = {
    "LCP": (2500, 4000),
    "INP": (200, 500),
    "CLS": (0.1, 0.25),
    "FCP": (1800, 3000),
    "TTFB": (800, 1800),
    "FID": (100, 300),
}
COLOURS = {"good": "#0c7c59", "needs-improvement": "#c77c02", "poor": "#c0392b"}

ROW_HEIGHT = 40
HEADER_HEIGHT = 28
LABEL_WIDTH = 70
BAR_WIDTH = 260
GAUGE_X = LABEL_WIDTH
SPLIT_X = LABEL_WIDTH + BAR_WIDTH + 110
CHART_WIDTH = SPLIT_X + BAR_WIDTH + 10
# The p75 gauge spans 0 to 1.5 × the "poor" threshold; larger values are clipped.
GAUGE_SPAN = 1.5


def format_value(metric: str, value: float) -> str:
    return f"{value:.3f}" if metric == "CLS" else f"{value:,.0f} ms"


def rating_of(metric: str, value: float) -> str:
    good, poor = THRESHOLDS[metric]
    if value <= good:
        return "good"
    return "needs-improvement" if value <= poor else "poor"


@dataclass
class Segment:
    rating: str
    count: int
    percent: float
    x: float
    width: float
    colour: str


@dataclass
class MetricRow:
    metric: str
    label: str
    y: float
    count: int
    p75_text: str = ""
    gauge_width: float = 0
    gauge_colour: str = ""
    good_x: float = 0
    poor_x: float = 0
    segments: list[Segment] | None = None


@dataclass
class WindowChart:
    days: int
    total: int
    rows: list[MetricRow]
    width: int = CHART_WIDTH
    height: int = 0
    gauge_x: int = GAUGE_X
    split_x: int = SPLIT_X
    bar_width: int = BAR_WIDTH


def window_chart(*, days: int, summary: dict[str, dict]) -> WindowChart:
    """Rows for every metric (those without events say so) from a ``services.summarise`` result."""
    rows = []
    for index, metric in enumerate(Metric.values):
        y = HEADER_HEIGHT + index * ROW_HEIGHT
        stats = summary.get(metric)
        row = MetricRow(
            metric=metric, label=Metric(metric).label, y=y, count=stats["count"] if stats else 0
        )
        if stats:
            good, poor = THRESHOLDS[metric]
            scale = BAR_WIDTH / (poor * GAUGE_SPAN)
            row.p75_text = format_value(metric, stats["p75"])
            row.gauge_width = round(min(stats["p75"] * scale, BAR_WIDTH), 1)
            row.gauge_colour = COLOURS[rating_of(metric, stats["p75"])]
            row.good_x = round(GAUGE_X + good * scale, 1)
            row.poor_x = round(GAUGE_X + poor * scale, 1)
            row.segments = _split(stats)
        rows.append(row)
    return WindowChart(
        days=days,
        total=sum(row.count for row in rows),
        rows=rows,
        height=HEADER_HEIGHT + len(rows) * ROW_HEIGHT,
    )


def _split(stats: dict) -> list[Segment]:
    segments = []
    x = float(SPLIT_X)
    for rating, key in (
        ("good", "good_count"),
        ("needs-improvement", "needs_improvement_count"),
        ("poor", "poor_count"),
    ):
        share = stats[key] / stats["count"]
        width = round(share * BAR_WIDTH, 1)
        segments.append(
            Segment(rating, stats[key], round(share * 100, 1), round(x, 1), width, COLOURS[rating])
        )
        x += width
    return segments
