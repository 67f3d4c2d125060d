"""Demo data for local use, in the order the seeders depend on each other.

Each seeder is ``seed(*, companies: int, password: str, log: Callable[[str], None]) -> None`` and
must be idempotent: running ``seed_demo`` twice leaves the same data.
"""

SEEDERS = [
    "organisations.demo.seed",
]
