"""Dates in Dutch use lower-case month abbreviations ("10 mei 2027", "15 mrt 2027")."""

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "10 mei 2027 · 15 mrt 2027 09:30"), ("en", "10 May 2027 · 15 Mar 2027 09:30")],
)
def test_short_dates_per_language(language, expected):
    template = Template('{{ a|date:"SHORT_DATE_FORMAT" }} · {{ b|date:"SHORT_DATETIME_FORMAT" }}')
    with translation.override(language):
        rendered = template.render(Context({"a": date(2027, 5, 10), "b": datetime(2027, 3, 15, 9, 30)}))
    assert rendered == expected


def test_no_template_formats_a_date_with_a_capitalised_month_abbreviation():
    """Django's "M" capitalises ("10 Mei"): templates use the named short formats instead."""
    offenders = []
    for path in ROOT.glob("**/templates/**/*.*"):
        if ".venv" in path.parts or path.suffix not in (".html", ".txt"):
            continue
        for match in re.finditer(r'date:"([^"]*)"', path.read_text()):
            if "M" in match.group(1) and not match.group(1).endswith("_FORMAT"):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []


# --- the ministry is named one way --------------------------------------------------------------

MINISTRY_VARIANTS = re.compile(r"Economic Affairs(?! and Climate Policy)|Economische Zaken(?! en Klimaat)")
# The signed declaration text is evidence: a new wording is a new published version, decided by RVO.
SIGNED_TEXTS = ("declarations/texts/",)


def test_the_ministry_is_named_one_way_in_every_source_text():
    offenders = []
    for path in ROOT.glob("**/*"):
        if ".venv" in path.parts or path.suffix not in (".html", ".txt", ".py", ".md"):
            continue
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(SIGNED_TEXTS) or relative == "core/tests/test_formats.py":
            continue
        for number, line in enumerate(path.read_text(errors="ignore").splitlines(), start=1):
            if MINISTRY_VARIANTS.search(line):
                offenders.append(f"{relative}:{number}")
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "name"),
    [("nl", "Ministerie van Economische Zaken en Klimaat"), ("en", "Ministry of Economic Affairs and Climate Policy")],
)
def test_pages_name_the_ministry_in_full(client, language, name):
    client.cookies["django_language"] = language
    for url in ("/", "/missions/", "/privacy/"):
        page = client.get(url).content.decode()
        assert name.lower() in page.lower(), url
        assert not MINISTRY_VARIANTS.search(page), url
