from decimal import Decimal

import pytest

from organisations.rules import is_large_company


@pytest.mark.parametrize(
    ("employees", "turnover", "balance", "expected"),
    [
        (500, 100_000_000, 100_000_000, False),  # 500 is not "more than 500"
        (501, 100_000_000, 100_000_000, True),
        (501, 40_000_000, 0, False),  # exactly 40 M is not more
        (501, 40_000_001, 0, True),
        (501, 0, 20_000_000, False),  # exactly 20 M is not more
        (501, 0, 20_000_001, True),
        (501, 40_000_000, 20_000_000, False),
        (10_000, None, None, False),
        (None, 1_000_000_000, 1_000_000_000, False),
        (0, 0, 0, False),
    ],
)
def test_large_company_boundaries(employees, turnover, balance, expected):
    assert is_large_company(employees=employees, turnover_eur=turnover, balance_sheet_total_eur=balance) is expected


def test_accepts_decimals():
    assert is_large_company(employees=501, turnover_eur=Decimal("40000000.01"), balance_sheet_total_eur=None)


@pytest.mark.django_db
def test_size_class_is_stored_from_the_rule():
    from tests.factories import OrganisationFactory

    org = OrganisationFactory(employees=501, annual_turnover_eur=40_000_001)
    assert org.size_class == "large"
    org.employees = 500
    org.save(update_fields=["employees"])
    org.refresh_from_db()
    assert org.size_class == "sme"
