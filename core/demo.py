"""Demo data for local use, in the order the seeders depend on each other.

Each seeder is ``seed(*, companies: int, password: str, log: Callable[[str], None]) -> None`` and
must be idempotent: running ``seed_demo`` twice leaves the same data.
"""

SEEDERS = [
    "organisations.demo.seed",
    "accounts.demo.seed_mfa",  # after the demo users: their second factor (demo secret)
    "missions.demo.seed",
    "declarations.demo.seed",
    "missions.demo.seed_registrations",  # after the declaration text: demo participants register
    "staff.demo.seed",  # after missions (sessions) and declarations (declined declarations)
    "brochures.demo.seed",
    "brochures.demo.seed_mission_packs",  # after the missions and declarations seeders
    "instruments.demo.seed",  # after the missions: they are instruments of kind "mission"
    "brochures.demo.seed_instruments",  # after the instruments: their online IMVO brochures
    "dashboard.demo.seed",  # rolls up what the seeders above created, publishes a first release
    # keep last: a checkpoint covers every record and audit event the seeders wrote (the audit trail
    # is a chain too), so a second run finds nothing new and writes none
    "declarations.demo.seed_checkpoint",
]
