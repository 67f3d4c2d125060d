import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.exports import cell_neutralise, export_filename, table_to_csv, table_to_xlsx
from declarations.constants import Decision
from missions.constants import AttendanceStatus
from missions.models import Attendance
from tests.factories import OrganisationFactory, StaffUserFactory
from tests.mfa import login_staff

from .factories import ParticipantFactory, RegistrationFactory, SessionFactory, declare

DANGEROUS = ['=HYPERLINK("http://evil.example","klik")', "+31 6 1234", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_prefixes_are_neutralised(value):
    assert cell_neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Gewone tekst", "a=b", "KvK 12345678", ""])
def test_plain_text_is_left_alone(value):
    assert cell_neutralise(value) == value


def test_numbers_and_dates_stay_typed():
    assert cell_neutralise(-5) == -5
    assert cell_neutralise(None) == ""
    assert cell_neutralise(datetime.date(2026, 1, 2)) == datetime.date(2026, 1, 2)
    aware = timezone.make_aware(datetime.datetime(2026, 1, 2, 9, 0), datetime.UTC)
    assert cell_neutralise(aware) == datetime.datetime(2026, 1, 2, 10, 0)  # Amsterdam, naive for Excel


def test_csv_and_xlsx_never_contain_a_formula():
    rows = [[v, 1] for v in DANGEROUS]
    text = table_to_csv(["Naam", "Getal"], rows).decode("utf-8-sig")
    for row in list(csv.reader(io.StringIO(text), delimiter=";"))[1:]:
        assert row[0].startswith("'")
    sheet = openpyxl.load_workbook(io.BytesIO(table_to_xlsx(["Naam", "Getal"], rows, sheet_title="x/y:z"))).active
    assert sheet.title == "xyz"
    for cell, number in sheet.iter_rows(min_row=2):
        assert cell.data_type == "s" and cell.value.startswith("'")
        assert number.value == 1


def test_export_filename_is_safe():
    name = export_filename("../../etc/passwd", 'reg"istraties', extension="xlsx")
    assert "/" not in name and '"' not in name and ".." not in name
    assert name.endswith(".xlsx") and name.startswith("etcpasswd-registraties-")


@pytest.fixture
def mission_with_data(db):
    evil = OrganisationFactory(name="=cmd|' /C calc'!A0", large=True)
    registration = RegistrationFactory(organisation=evil, motivation="@SUM(1+1)")
    declare(registration, Decision.NOT_ENDORSED)
    RegistrationFactory(mission=registration.mission, organisation=OrganisationFactory(name="Gewoon B.V."))
    session = SessionFactory(mission=registration.mission)
    participant = ParticipantFactory(registration=registration, name="-Piet")
    Attendance.objects.create(session=session, participant=participant, status=AttendanceStatus.ATTENDED)
    return registration.mission


@pytest.mark.django_db
def test_registrations_xlsx_export_in_dutch(client, mission_with_data):
    login_staff(client, StaffUserFactory())
    response = client.get(reverse("staff:export", args=[mission_with_data.pk, "registrations", "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"{mission_with_data.slug}-aanmeldingen-" in disposition
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Organisatie" and "Verklaring" in rows[0]
    evil_row = next(r for r in rows if "calc" in str(r[0]))
    assert evil_row[0] == "'=cmd|' /C calc'!A0"
    assert evil_row[-1] == "'@SUM(1+1)"
    assert "Grote onderneming" in evil_row
    with translation.override("nl"):
        assert evil_row[rows[0].index("Verklaring")] == str(Decision.NOT_ENDORSED.label)
    assert evil_row[rows[0].index("Versie van de verklaringstekst")] == 1
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.django_db
def test_attendance_csv_export(client, mission_with_data):
    login_staff(client, StaffUserFactory())
    response = client.get(reverse("staff:export", args=[mission_with_data.pk, "attendance", "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Bijeenkomst"
    assert rows[1][3] == "'-Piet" and rows[1][-1] == "Aanwezig"


@pytest.mark.django_db
def test_export_in_english_when_the_user_works_in_english(client, mission_with_data):
    login_staff(client, StaffUserFactory())
    client.cookies["django_language"] = "en"
    response = client.get(reverse("staff:export", args=[mission_with_data.pk, "registrations", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "Organisation"
    assert "-registrations-" in response["Content-Disposition"]


@pytest.mark.django_db
def test_unknown_export_format_is_404(client, mission_with_data):
    login_staff(client, StaffUserFactory())
    assert client.get(reverse("staff:export", args=[mission_with_data.pk, "registrations", "pdf"])).status_code == 404
