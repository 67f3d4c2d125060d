"""iCalendar (.ics) files for preparation sessions, built with the ``icalendar`` package."""

import hashlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText

from core.i18n import localised

SESSION_TZ = ZoneInfo("Europe/Amsterdam")


def session_uid(session) -> str:
    return f"preparation-session-{session.pk}@imvo-portal"


def session_version_key(session) -> str:
    """Changes whenever what a calendar shows changes: used as SEQUENCE and for invitation dedupe."""
    raw = (
        f"{session.starts_at.isoformat()}|{session.ends_at.isoformat() if session.ends_at else ''}|"
        f"{session.location}|{session.online_url}"
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def session_ics(session, *, language: str, agenda: list[str] | None = None) -> bytes:
    """One VEVENT in Europe/Amsterdam time; text in the recipient's language."""
    with translation.override(language):
        mission = session.mission
        calendar = Calendar()
        calendar.add("prodid", "-//RVO//IMVO mission portal//NL")
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
        calendar.add("calscale", "GREGORIAN")
        event = Event()
        event.add("uid", session_uid(session))
        event.add("dtstamp", timezone.now())
        event.add("dtstart", timezone.localtime(session.starts_at, SESSION_TZ))
        ends_at = session.ends_at or session.starts_at + timezone.timedelta(hours=2)
        event.add("dtend", timezone.localtime(ends_at, SESSION_TZ))
        title = localised(session, "title", language)
        event.add("summary", f"{title} – {localised(mission, 'title', language)}")
        where = session.location or ""
        if session.online_url:
            where = f"{where} ({session.online_url})" if where else session.online_url
            event.add("url", session.online_url)
        if where:
            event.add("location", vText(where))
        lines = [
            _("Preparation session of the innovation mission %(mission)s.")
            % {"mission": localised(mission, "title", language)}
        ]
        if agenda:
            lines.append("")
            lines.append(_("Agenda:"))
            lines.extend(f"{number}. {item}" for number, item in enumerate(agenda, start=1))
        lines.append("")
        lines.append(_("Questions? Contact %(email)s.") % {"email": settings.SUPPORT_EMAIL})
        event.add("description", "\n".join(lines))
        # Later files must carry a higher SEQUENCE so calendars replace the earlier event.
        event.add("sequence", int(timezone.now().timestamp()) // 60 - 29_000_000)
        calendar.add_component(event)
        return calendar.to_ical()
