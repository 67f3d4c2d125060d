"""Demo missions with their preparation sessions (see core/demo.py)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from organisations.constants import MembershipRole
from organisations.demo import _user, demo_organisation
from organisations.models import Membership

from .constants import MissionStatus
from .demo_data import DEMO_MISSIONS
from .models import Mission, PreparationSession, Registration
from .services import registration_draft_save, registration_start, registration_submit

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM)


def seed(*, companies: int, password: str, log) -> None:
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


# Demo participants: organisations that have registered already, so that the back-office, the
# waiting list and the ministry dashboard show realistic figures after `seed_demo`.
# name, kvk, city, sector, kind, employees, turnover, balance-sheet total
DEMO_PARTICIPANTS = [
    ("Zonnepark Techniek B.V.", "91000001", "Assen", "D", "company", 1400, 260_000_000, 140_000_000),
    ("Blauwe Delta Engineering N.V.", "91000002", "Dordrecht", "M", "company", 820, 120_000_000, 45_000_000),
    ("Hanzeveld Innovatie B.V.", "91000003", "Zwolle", "C", "company", 60, 8_000_000, 3_000_000),
    (
        "Universiteit van de Lage Landen",
        "91000004",
        "Utrecht",
        "P",
        "knowledge_institution",
        6000,
        900_000_000,
        1_200_000_000,
    ),
    ("Textielhuis Twente B.V.", "91000005", "Enschede", "C", "company", 230, 35_000_000, 14_000_000),
    ("Groene Chemie Nederland N.V.", "91000006", "Geleen", "C", "company", 3100, 1_100_000_000, 700_000_000),
    ("Slimme Kas Systemen B.V.", "91000007", "Naaldwijk", "A", "company", 45, 6_500_000, 2_000_000),
    ("Polder Data Labs B.V.", "91000008", "Amsterdam", "J", "company", 520, 41_000_000, 12_000_000),
    (
        "Instituut voor Toegepast Waterbeheer",
        "91000009",
        "Lelystad",
        "M",
        "knowledge_institution",
        310,
        30_000_000,
        22_000_000,
    ),
    ("Maasmond Logistiek B.V.", "91000010", "Rotterdam", "H", "company", 1900, 380_000_000, 150_000_000),
    ("Kringloop Kunststof B.V.", "91000011", "Emmen", "E", "company", 150, 19_000_000, 7_000_000),
    ("Veluwe Voedingsinnovatie B.V.", "91000012", "Ede", "C", "company", 640, 39_000_000, 21_000_000),
]

# mission slug -> list of (participant index, decision); decision None: no signature yet.
DEMO_REGISTRATIONS = {
    "circulair-textiel-india": [
        (4, "endorsed"),
        (10, "endorsed"),
        (2, "endorsed"),
        (5, "endorsed"),
        (3, "endorsed"),
        (11, "not_endorsed"),
        (0, "endorsed"),
        (7, "endorsed"),
        (9, "endorsed"),
        (1, "endorsed"),
    ],
    "agrifood-water-kenia": [
        (6, "endorsed"),
        (8, "endorsed"),
        (11, "endorsed"),
        (9, "not_endorsed"),
        (3, "endorsed"),
        (1, None),
    ],
    "waterstof-japan": [(0, "endorsed"), (5, "endorsed"), (1, "endorsed"), (2, "not_endorsed")],
    "quantum-fotonica-vs": [(7, "endorsed"), (3, "endorsed"), (2, "not_endorsed")],
}

DECLINE_EXPLANATION = (
    "Wij zijn begonnen met het in kaart brengen van onze keten, maar hebben nog geen beleid voor "
    "gepaste zorgvuldigheid. Wij willen dat dit jaar opstellen en vragen daarbij hulp van het IMVO-steunpunt."
)


def seed_registrations(*, companies: int, password: str, log) -> None:
    """Register the demo participants through the real services (idempotent)."""

    now = timezone.now()
    # The demo participants sign, so RVO staff verify their organisations (``organisations.demo``).
    staff = User.objects.get(email="rvo@demo.example")
    people = []
    for number, (name, kvk, city, sector, kind, employees, turnover, balance) in enumerate(DEMO_PARTICIPANTS, 1):
        user = _user(f"deelnemer{number}@demo.example", f"Deelnemer {number}", password, email_confirmed_at=now)
        organisation = demo_organisation(
            admin=user,
            kvk_number=kvk,
            name=name,
            city=city,
            sector=sector,
            kind=kind,
            employees=employees,
            turnover=turnover,
            balance=balance,
            verified_by=staff,
        )
        people.append((user, organisation))

    created = 0
    for slug, entries in DEMO_REGISTRATIONS.items():
        mission = Mission.objects.filter(slug=slug).first()
        if mission is None or not mission.registration_is_open():
            continue
        for index, decision in entries:
            user, organisation = people[index]
            if Registration.objects.filter(mission=mission, organisation=organisation).exists():
                continue
            actor = user
            if decision is None:
                # Prepared by a colleague without signing authority: it waits for a signatory.
                actor = _user(
                    f"collega.{organisation.kvk_number}@demo.example", "Collega (niet tekenbevoegd)", password
                )
                Membership.objects.get_or_create(
                    user=actor,
                    organisation=organisation,
                    defaults={"role": MembershipRole.MEMBER, "is_authorised_signatory": False},
                )
            registration = registration_start(mission=mission, organisation=organisation, actor=actor)
            declaration = None
            if decision:
                declaration = {
                    "decision": decision,
                    "signatory_name": user.full_name,
                    "signatory_position": "Directeur",
                    "confirms_authority": True,
                    "explanation": DECLINE_EXPLANATION if decision == "not_endorsed" else "",
                }
            registration_draft_save(
                registration=registration,
                actor=actor,
                step=5,
                participants=[{"name": user.full_name, "email": user.email, "position": "Directeur"}],
                motivation="Wij willen samenwerken met onderzoekspartners ter plaatse en onze technologie toetsen.",
                data={"declaration": declaration} if declaration else None,
            )
            registration_submit(registration=registration, actor=actor)
            created += 1

    log(f"{len(people)} demo participant organisations, {created} new registrations.")
