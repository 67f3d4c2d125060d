"""Demo missions with their preparation sessions (see imvo_portal/demo.py)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from .constants import MissionStatus
from .demo_data import DEMO_MISSIONS
from .models import Mission, PreparationSession

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM)


def seed(*, companies: int, password: str, log) -> None:
    from accounts.models import User

    today = timezone.localdate()
    lead = User.objects.filter(email="rvo@demo.example").first()
    for data in DEMO_MISSIONS:
        starts_on = today + timedelta(days=data["start_offset_days"])
        values = {
            **{
                k: data[k]
                for k in (
                    "title_nl",
                    "title_en",
                    "summary_nl",
                    "summary_en",
                    "description_nl",
                    "description_en",
                    "country",
                    "city_nl",
                    "city_en",
                    "theme",
                    "capacity_min",
                    "capacity_max",
                    "requires_declaration",
                )
            },
            "programme_nl": "\n".join(data["programme_nl"]),
            "programme_en": "\n".join(data["programme_en"]),
            "starts_on": starts_on,
            "ends_on": starts_on + timedelta(days=data["duration_days"] - 1),
            "registration_opens_at": _at(today + timedelta(days=data["registration_opens_offset_days"]), 9),
            "registration_closes_at": _at(today + timedelta(days=data["registration_closes_offset_days"]), 17),
            "status": MissionStatus.PUBLISHED,
            "lead_contact": lead,
        }
        mission, created = Mission.objects.update_or_create(slug=data["slug"], defaults=values)
        for session in data["sessions"]:
            starts_at = _at(today + timedelta(days=session["offset_days"]), session["hour"])
            PreparationSession.objects.update_or_create(
                mission=mission,
                title_nl=session["title_nl"],
                defaults={
                    "title_en": session["title_en"],
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(minutes=session["duration_minutes"]),
                    "location": session["location"],
                    "online_url": session["online_url"],
                },
            )
        log(f"mission {mission.slug} ({'new' if created else 'updated'})")
