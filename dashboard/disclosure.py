"""Statistical disclosure control of every count the dashboard publishes (page and CSV).

Method: **rounding to base B** (``DASHBOARD_MIN_CELL``, 5 by default), the method Statistics
Netherlands, ONS and others apply to frequency tables when many overlapping tables are published
from the same data (every breakdown x filter combination here), where cell suppression alone can be
undone by subtraction.

- A count below B (0 included) is published as "< B". Zero is not told apart from 1..B-1: if it
  were, a "< B" cell would be known to be at least 1, and differencing could pin it down exactly.
- A count of B or more is rounded to the nearest multiple of B (halves up), e.g. 5..7 → 5, 8..12 → 10.
- Totals are rounded on their own (not the sum of rounded cells), so a total minus the shown cells
  gives a range of several values, never one value.
- Percentages are computed from the rounded figures and only when both are at least B; otherwise
  "not shown". They therefore reveal nothing beyond the rounded counts.
- A breakdown row is left out only when every count in it is below B, which depends on published
  figures only; absent rows say no more than "< B".

``published_interval`` says which true values a published text stands for; the property tests in
``dashboard/tests/test_disclosure.py`` use it to try differencing across every breakdown and
filter combination and check that no count below B is ever recovered exactly.
"""

from django.conf import settings


def base() -> int:
    return settings.DASHBOARD_MIN_CELL


def rounded(value: int | None) -> int | None:
    """The lower end of the band a count is published in; None when it is below the base."""
    value = int(value or 0)
    b = base()
    if value < b:
        return None
    return b * (value // b)


def published_interval(value: int | None) -> tuple[int, int]:
    """The range of true counts that are published as the band starting at ``value`` (None: "< B")."""
    b = base()
    if value is None:
        return (0, b - 1)
    return (value, value + b - 1)


def midpoint(value: int) -> float:
    """The middle of a published band, used for percentages and bar lengths."""
    return value + (base() - 1) / 2
