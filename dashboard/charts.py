"""Server-side SVG charts: no JavaScript, no inline styles (CSP), presentation attributes only.

Every chart is decorative next to a table with the same numbers, but still carries a title for
screen readers (role="img"). Suppressed values draw no bar and show their "< 5" text.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#01689b"
TARGET = "#b3261e"
TEXT = "#1a1a1a"
GRID = "#8a8a8a"
TRACK = "#e6edf3"
LABEL_CHARS = 42


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    t = escape(title)
    return mark_safe(  # noqa: S308 - every piece of text is escaped above or below
        f'<svg class="dashboard-chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{t}" xmlns="http://www.w3.org/2000/svg" font-family="inherit" font-size="13">'
        f"<title>{t}</title>{''.join(body)}</svg>"
    )


def bar_chart(items: list[tuple[str, float | None, str]], *, title: str) -> SafeString:
    """Horizontal bars: (label, value or None when suppressed, text shown at the end of the bar)."""
    if not items:
        return mark_safe("")
    width, label_w, bar_w, row_h = 720, 300, 330, 26
    top = 6
    peak = max((v for _l, v, _t in items if v), default=0) or 1
    body = []
    for i, (label, value, text) in enumerate(items):
        y = top + i * row_h
        length = 0 if not value else max(2, round(bar_w * value / peak))
        body.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" fill="{TEXT}">'
            f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
        )
        if length:
            body.append(f'<rect x="{label_w}" y="{y + 4}" width="{length}" height="{row_h - 8}" fill="{BAR}"/>')
        body.append(f'<text x="{label_w + length + 6}" y="{y + 17}" fill="{TEXT}">{escape(text)}</text>')
    return _svg(width, top * 2 + row_h * len(items), title, body)


def trend_chart(points: list[tuple[str, float | None]], target: int, *, title: str) -> SafeString:
    """Vertical bars of a percentage per period, with the target as a dashed line."""
    if not points:
        return mark_safe("")
    left, top, plot_h, col_w = 48, 12, 200, 64
    width = left + col_w * len(points) + 20
    height = top + plot_h + 40

    def y_of(percent: float) -> float:
        return top + plot_h * (1 - percent / 100)

    body = []
    for tick in (0, 25, 50, 75, 100):
        y = y_of(tick)
        body.append(f'<line x1="{left}" x2="{width - 10}" y1="{y}" y2="{y}" stroke="{TRACK}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="{TEXT}">{tick}%</text>')
    for i, (label, value) in enumerate(points):
        x = left + i * col_w + 12
        if value is not None:
            y = y_of(value)
            body.append(f'<rect x="{x}" y="{y}" width="{col_w - 24}" height="{top + plot_h - y}" fill="{BAR}"/>')
            body.append(
                f'<text x="{x + (col_w - 24) / 2}" y="{y - 4}" text-anchor="middle" fill="{TEXT}">{value:g}%</text>'
            )
        else:
            body.append(
                f'<text x="{x + (col_w - 24) / 2}" y="{top + plot_h - 4}" text-anchor="middle" fill="{TEXT}">–</text>'
            )
        body.append(
            f'<text x="{x + (col_w - 24) / 2}" y="{top + plot_h + 18}" text-anchor="middle" fill="{TEXT}">'
            f"{escape(label)}</text>"
        )
    y = y_of(target)
    body.append(
        f'<line x1="{left}" x2="{width - 10}" y1="{y}" y2="{y}" stroke="{TARGET}" stroke-width="2" '
        f'stroke-dasharray="6 4"/>'
    )
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{GRID}"/>')
    return _svg(width, height, title, body)


def target_gauge(share: float | None, target: int) -> SafeString:
    """A 0–100% track with the share filled and the target marked."""
    width, height, left, track_w = 420, 44, 10, 400
    body = [f'<rect x="{left}" y="8" width="{track_w}" height="18" fill="{TRACK}"/>']
    if share is not None:
        body.append(f'<rect x="{left}" y="8" width="{round(track_w * share / 100)}" height="18" fill="{BAR}"/>')
    tx = left + track_w * target / 100
    body.append(f'<line x1="{tx}" x2="{tx}" y1="2" y2="32" stroke="{TARGET}" stroke-width="3"/>')
    body.append(f'<text x="{tx}" y="43" text-anchor="middle" fill="{TEXT}">{target}%</text>')
    label = f"{share:g}% / {target}%" if share is not None else f"– / {target}%"
    return _svg(width, height, label, body)
