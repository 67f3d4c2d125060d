from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from staff.ics import session_ics

from .factories import SessionFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def test_session_ics_in_amsterdam_time_and_language():
    start = datetime(2026, 3, 29, 10, 0, tzinfo=AMS)  # the day summer time starts
    session = SessionFactory(
        starts_at=start, ends_at=start + timedelta(hours=2), online_url="https://meet.example/x", location="Den Haag"
    )
    calendar = Calendar.from_ical(session_ics(session, language="en", agenda=["The OECD guidelines"]))
    event = calendar.walk("VEVENT")[0]
    assert event.decoded("dtstart") == start
    assert str(event.decoded("dtstart").tzinfo) == "Europe/Amsterdam"
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=2)
    assert str(event["summary"]).startswith("Preparation session – ")
    assert "https://meet.example/x" in str(event["location"])
    assert "1. The OECD guidelines" in str(event["description"])
    assert str(event["uid"]) == f"preparation-session-{session.pk}@imvo-portal"
    nl = Calendar.from_ical(session_ics(session, language="nl")).walk("VEVENT")[0]
    assert str(nl["summary"]).startswith("Voorbereidingsbijeenkomst – ")
