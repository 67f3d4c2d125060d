import pytest

from audit.models import AuditEvent
from instruments.models import Instrument
from instruments.services import instruments_import_csv
from instruments.services.imports import COLUMNS, ImportFileError
from organisations.policies import NotAllowed
from tests.factories import StaffUserFactory, member_of

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS) + "\n"
GOOD = HEADER + (
    "RVO-1,Regeling een,Scheme one,Samenvatting,Summary,subsidy,innovation,sme|large,250000,1000000,nee,C|J,,open,"
    "rvo.nl/een\n"
    "RVO-2,Regeling twee,Scheme two,Samenvatting,Summary,loan,international,large,2.000.000,,ja,B,IN|BR,planned,\n"
)


def test_dry_run_reports_and_writes_nothing():
    report = instruments_import_csv(actor=StaffUserFactory(), content=GOOD.encode(), dry_run=True)
    assert not report.errors and report.count("create") == 2 and not report.written
    assert Instrument.objects.count() == 0


def test_import_creates_then_is_idempotent_by_code_then_updates():
    staff = StaffUserFactory()
    report = instruments_import_csv(actor=staff, content=GOOD.encode(), dry_run=False)
    assert report.written and report.count("create") == 2
    two = Instrument.objects.get(code="RVO-2")
    assert (
        two.kind,
        two.typical_support_eur,
        two.used_abroad,
        two.sectors,
        two.countries,
        two.for_large,
        two.for_sme,
    ) == (
        "loan",
        2_000_000,
        True,
        "B",
        "IN,BR",
        True,
        False,
    )
    again = instruments_import_csv(actor=staff, content=GOOD.encode(), dry_run=False)
    assert again.count("unchanged") == 2 and again.count("create") == 0
    assert Instrument.objects.count() == 2
    changed = GOOD.replace("Regeling twee", "Regeling twee (nieuw)")
    third = instruments_import_csv(actor=staff, content=changed.encode(), dry_run=False)
    assert third.count("update") == 1 and third.count("unchanged") == 1
    assert Instrument.objects.get(code="RVO-2").name_nl == "Regeling twee (nieuw)"
    assert Instrument.objects.get(code="RVO-2").slug == two.slug  # the web address stays
    assert AuditEvent.objects.filter(action="instrument.import").count() == 3


def test_errors_are_reported_per_row_and_nothing_is_written():
    bad = HEADER + (
        "RVO-1,Regeling een,Scheme one,Samenvatting,Summary,subsidy,innovation,sme,250000,,nee,C,,open,\n"
        "RVO-3,,Scheme three,Samenvatting,Summary,lottery,innovation,sme,veel,,misschien,Z,XX,open,\n"
        "RVO-1,Dubbel,Double,Samenvatting,Summary,subsidy,innovation,sme,,,nee,,,open,\n"
    )
    report = instruments_import_csv(actor=StaffUserFactory(), content=bad.encode(), dry_run=False)
    assert not report.written and Instrument.objects.count() == 0
    by_line = {row.line: row for row in report.errors}
    assert set(by_line) == {3, 4}
    messages = " ".join(by_line[3].errors)
    for column in ("name_nl", "kind", "typical_support_eur", "used_abroad", "sectors", "countries"):
        assert column in messages, column
    assert "RVO-1" in " ".join(by_line[4].errors) and " 2." in " ".join(by_line[4].errors)


def test_semicolons_and_a_byte_order_mark_are_read():
    content = "\ufeff" + GOOD.replace(",", ";").replace("sme|large", "sme|large")
    report = instruments_import_csv(actor=StaffUserFactory(), content=content.encode(), dry_run=True)
    assert not report.errors and report.count("create") == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\xff\xfe\x00bad", "UTF-8"), (b"code,name_nl\nX,Y\n", "name_en"), (b"x" * (2 * 1024 * 1024 + 1), "2 MB")],
)
def test_unreadable_files_are_refused_whole(content, message):
    with pytest.raises(ImportFileError) as error:
        instruments_import_csv(actor=StaffUserFactory(), content=content, dry_run=True)
    assert message in str(error.value)


def test_only_staff_import():
    with pytest.raises(NotAllowed):
        instruments_import_csv(actor=member_of(), content=GOOD.encode(), dry_run=True)
