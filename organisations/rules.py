"""The large-company rule, in exactly one place.

Footnote 2 of the letter to Parliament of 19 December 2019: a large company has more than
500 employees and either more than EUR 40 million turnover or more than EUR 20 million in
assets (balance-sheet total). "More than" is strict.
"""

from decimal import Decimal

LARGE_EMPLOYEES = 500
LARGE_TURNOVER_EUR = Decimal("40000000")
LARGE_BALANCE_SHEET_EUR = Decimal("20000000")


def is_large_company(
    *, employees: int | None, turnover_eur: Decimal | int | None, balance_sheet_total_eur: Decimal | int | None
) -> bool:
    """True when employees > 500 and (turnover > 40 M or balance-sheet total > 20 M)."""
    if employees is None or employees <= LARGE_EMPLOYEES:
        return False
    turnover_large = turnover_eur is not None and Decimal(turnover_eur) > LARGE_TURNOVER_EUR
    balance_large = balance_sheet_total_eur is not None and Decimal(balance_sheet_total_eur) > LARGE_BALANCE_SHEET_EUR
    return turnover_large or balance_large
