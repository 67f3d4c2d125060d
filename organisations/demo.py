"""Demo users and organisations (see core/demo.py)."""

from decimal import Decimal

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from accounts.constants import MINISTRY_GROUP, RVO_STAFF_GROUP
from accounts.models import User
from accounts.services import user_add_to_group

from .constants import MembershipRole, OrganisationKind
from .models import Membership, Organisation
from .services import organisation_verify

# Why RVO "verified" the demo companies: they are made up, so nobody logs in with eHerkenning for them.
DEMO_VERIFICATION_REASON = "Demo company made by seed_demo (test data, no real KvK number)."

# name, city, sector, kind, employees, turnover, balance-sheet total
DEMO_COMPANIES = [
    ("Noordzee Waterstof B.V.", "Groningen", "D", OrganisationKind.COMPANY, 1200, 310_000_000, 180_000_000),
    ("Vezelkracht Textiel B.V.", "Tilburg", "C", OrganisationKind.COMPANY, 85, 12_000_000, 6_500_000),
    ("Lichtpad Fotonica N.V.", "Eindhoven", "C", OrganisationKind.COMPANY, 640, 95_000_000, 48_000_000),
    ("Kennisinstituut Delta Water", "Delft", "M", OrganisationKind.KNOWLEDGE_INSTITUTION, 450, 38_000_000, 19_000_000),
    ("Agrotech Oost B.V.", "Wageningen", "A", OrganisationKind.COMPANY, 140, 21_000_000, 9_000_000),
    ("Circulus Recycling B.V.", "Rotterdam", "E", OrganisationKind.COMPANY, 2300, 520_000_000, 260_000_000),
    ("Qubit Valley B.V.", "Delft", "J", OrganisationKind.COMPANY, 35, 4_000_000, 2_500_000),
    (
        "Hogeschool Techniek Noord",
        "Leeuwarden",
        "P",
        OrganisationKind.KNOWLEDGE_INSTITUTION,
        900,
        75_000_000,
        60_000_000,
    ),
]


DEMO_CONTACTS = [
    "Sanne de Jong",
    "Mehmet Yilmaz",
    "Lotte Visser",
    "Pieter Bakker",
    "Aisha Boukhari",
    "Joost van Dijk",
    "Eva Meijer",
    "Ruben Smit",
]


# The demo password hashed once per process and shared by every demo user (same salt: they share a
# known password anyway). Hashing costs about a third of a second each with the production hasher,
# and ``seed_demo`` makes or checks some twenty users.
_demo_hashes: dict[str, str] = {}
_demo_hashes_checked: set[tuple[str, str]] = set()


def _demo_password_hash(password: str) -> str:
    if password not in _demo_hashes:
        _demo_hashes[password] = make_password(password)
    return _demo_hashes[password]


def _demo_password_matches(encoded: str, password: str) -> bool:
    """Whether ``encoded`` is a hash of ``password``; each distinct hash is checked once per process."""
    if (encoded, password) in _demo_hashes_checked:
        return True
    if check_password(password, encoded):
        _demo_hashes_checked.add((encoded, password))
        return True
    return False


def _user(email: str, full_name: str, password: str, **extra) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"full_name": full_name, "is_active": True, "password": _demo_password_hash(password), **extra},
    )
    if not created and not _demo_password_matches(user.password, password):
        user.password = _demo_password_hash(password)
        user.save(update_fields=["password"])
    return user


def demo_organisation(
    *,
    admin: User,
    kvk_number: str,
    name: str,
    city: str,
    sector: str,
    kind: str,
    employees: int,
    turnover,
    balance,
    verified_by: User | None = None,
) -> Organisation:
    """An organisation with complete figures of last year; ``admin`` is its admin and signatory.

    With ``verified_by`` (an RVO staff account) it is verified by staff as any organisation would be
    (``organisation_verify``, audited), once, so the demo companies can sign."""
    organisation, _ = Organisation.objects.update_or_create(
        kvk_number=kvk_number,
        defaults={
            "name": name,
            "city": city,
            "sector": sector,
            "kind": kind,
            "employees": employees,
            "annual_turnover_eur": Decimal(turnover),
            "balance_sheet_total_eur": Decimal(balance),
            "figures_year": timezone.now().year - 1,
        },
    )
    Membership.objects.update_or_create(
        user=admin,
        organisation=organisation,
        defaults={"role": MembershipRole.ADMIN, "is_authorised_signatory": True},
    )
    if verified_by is not None and not organisation.is_verified:
        organisation = organisation_verify(
            actor=verified_by, organisation=organisation, reason=DEMO_VERIFICATION_REASON
        )
    return organisation


def seed(*, companies: int, password: str, log) -> None:
    now = timezone.now()
    staff = _user("rvo@demo.example", "Rianne van Oost (RVO)", password, email_confirmed_at=now)
    user_add_to_group(user=staff, group_name=RVO_STAFF_GROUP)
    ministry = _user("ministerie@demo.example", "Maarten de Wit (EZK)", password, email_confirmed_at=now)
    user_add_to_group(user=ministry, group_name=MINISTRY_GROUP)
    _user("admin@demo.example", "Beheerder", password, is_staff=True, is_superuser=True, email_confirmed_at=now)

    for number in range(1, companies + 1):
        name, city, sector, kind, employees, turnover, balance = DEMO_COMPANIES[(number - 1) % len(DEMO_COMPANIES)]
        if number > len(DEMO_COMPANIES):
            name = f"{name.rsplit(' ', 1)[0]} {number}"
        user = _user(
            f"bedrijf{number}@demo.example",
            DEMO_CONTACTS[(number - 1) % len(DEMO_CONTACTS)],
            password,
            email_confirmed_at=now,
        )
        demo_organisation(
            admin=user,
            kvk_number=f"{90000000 + number:08d}",
            name=name,
            city=city,
            sector=sector,
            kind=kind,
            employees=employees,
            turnover=turnover,
            balance=balance,
            verified_by=staff,
        )
    log(f"Users and {companies} demo organisations ready.")
