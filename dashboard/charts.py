"""Server-side charts: no JavaScript, no inline styles (CSP), presentation attributes only.

Every chart is decorative next to a table with the same numbers, but still carries a title for
screen readers (role="img"). Suppressed values draw no bar and show their "< 5" text.

Charts reflow (WCAG 1.4.10) and their text stays legible at any width: the SVGs have no viewBox,
so text is drawn at its CSS size (never scaled down) and positions are percentages of the
available width; the bar chart's labels are HTML text that wraps instead of being cut.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#01689b"
TARGET = "#b3261e"
TEXT = "#1a1a1a"
GRID = "#8a8a8a"
TRACK = "#e6edf3"
FONT_SIZE = 14  # CSS px: charts are never scaled, so this is what people see (at least 12)


def _svg(height: int, title: str, body: list[str], *, css_class: str = "dashboard-chart") -> SafeString:
    t = escape(title)
    return mark_safe(  # noqa: S308 - every piece of text is escaped above or below
        f'<svg class="{css_class}" width="100%" height="{height}" role="img" '
        f'aria-label="{t}" xmlns="http://www.w3.org/2000/svg" font-family="inherit" font-size="{FONT_SIZE}">'
        f"<title>{t}</title>{''.join(body)}</svg>"
    )


def _pct(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


def bar_chart(items: list[tuple[str, float | None, str]], *, title: str) -> SafeString:
    """Horizontal bars: (label, value or None when suppressed, text shown at the end of the bar).

    One row per item: the label (wrapping HTML text), the bar (an SVG as wide as its column),
    the value. The layout is in dashboard.css: one line on wide screens, label above on narrow.
    """
    if not items:
        return mark_safe("")
    peak = max((v for _l, v, _t in items if v), default=0) or 1
    rows = []
    for label, value, text in items:
        bar = ""
        if value:
            bar = (
                f'<svg width="100%" height="18" focusable="false" aria-hidden="true">'
                f'<rect x="0" y="0" width="{_pct(max(1.0, 100 * value / peak))}" height="18" fill="{BAR}"/></svg>'
            )
        rows.append(
            f'<div class="bar-chart-row"><span class="bar-chart-label">{escape(label)}</span>'
            f'<span class="bar-chart-bar">{bar}</span><span class="bar-chart-value">{escape(text)}</span></div>'
        )
    return mark_safe(  # noqa: S308 - labels and texts are escaped above
        f'<div class="bar-chart" role="img" aria-label="{escape(title)}">{"".join(rows)}</div>'
    )


def trend_chart(points: list[tuple[str, float | None]], target: int, *, title: str) -> SafeString:
    """Vertical bars of a percentage per period, with the target as a dashed line.

    The y-axis labels take the left 14% of the width; the periods share the rest.
    """
    if not points:
        return mark_safe("")
    top, plot_h = 22, 200
    height = top + plot_h + 28
    gutter, col = 14.0, min(86.0 / len(points), 18.0)  # a lone year is a bar, not a wall

    def y_of(percent: float) -> float:
        return top + plot_h * (1 - percent / 100)

    body = []
    for tick in (0, 25, 50, 75, 100):
        y = y_of(tick)
        body.append(f'<line x1="{_pct(gutter)}" x2="100%" y1="{y}" y2="{y}" stroke="{TRACK}"/>')
        body.append(f'<text x="{_pct(gutter - 1)}" y="{y + 5}" text-anchor="end" fill="{TEXT}">{tick}%</text>')
    for i, (label, value) in enumerate(points):
        left = gutter + i * col
        middle = _pct(left + col / 2)
        if value is not None:
            y = y_of(value)
            body.append(
                f'<rect x="{_pct(left + col * 0.2)}" y="{y}" width="{_pct(col * 0.6)}" height="{top + plot_h - y}" '
                f'fill="{BAR}"/>'
            )
            body.append(f'<text x="{middle}" y="{y - 5}" text-anchor="middle" fill="{TEXT}">{value:g}%</text>')
        else:
            body.append(f'<text x="{middle}" y="{top + plot_h - 5}" text-anchor="middle" fill="{TEXT}">–</text>')
        body.append(
            f'<text x="{middle}" y="{top + plot_h + 20}" text-anchor="middle" fill="{TEXT}">{escape(label)}</text>'
        )
    y = y_of(target)
    body.append(
        f'<line x1="{_pct(gutter)}" x2="100%" y1="{y}" y2="{y}" stroke="{TARGET}" stroke-width="2" '
        f'stroke-dasharray="6 4"/>'
    )
    body.append(f'<line x1="{_pct(gutter)}" x2="{_pct(gutter)}" y1="{top}" y2="{top + plot_h}" stroke="{GRID}"/>')
    return _svg(height, title, body, css_class="dashboard-chart dashboard-trend")


def target_gauge(share: float | None, target: int) -> SafeString:
    """A 0–100% track with the share filled and the target marked, as wide as its container."""
    body = [f'<rect x="0" y="8" width="100%" height="18" fill="{TRACK}"/>']
    if share is not None:
        body.append(f'<rect x="0" y="8" width="{_pct(share)}" height="18" fill="{BAR}"/>')
    body.append(f'<line x1="{target}%" x2="{target}%" y1="2" y2="32" stroke="{TARGET}" stroke-width="3"/>')
    anchor = "end" if target >= 95 else "start" if target <= 5 else "middle"  # keep the label inside
    body.append(f'<text x="{target}%" y="48" text-anchor="{anchor}" fill="{TEXT}">{target}%</text>')
    label = f"{share:g}% / {target}%" if share is not None else f"– / {target}%"
    return _svg(52, label, body, css_class="dashboard-chart dashboard-gauge")
