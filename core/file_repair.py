"""``manage.py repair_files``: files the evidence can make again, in the order the apps list them.

Each repairer is ``repair(*, dry_run: bool) -> FileRepair`` and must be idempotent: it finds the
files of its app that are missing from storage (a lost media folder, a restore without media),
queues what can be made again from the database and reports what cannot (a write-once
checkpoint copy is never rebuilt: a rebuilt copy would hide its deletion). Core names them by
dotted path so that it imports no domain app (as ``core/demo.py`` does for the seeders).
"""

from dataclasses import dataclass, field

REPAIRERS = [
    "declarations.receipt_files.repair",  # receipts: re-rendered
    "declarations.receipt_files.repair_checkpoint_copies",  # write-once copies: reported lost, never rebuilt
    "brochures.services.lost_files.repair",  # brochure PDFs (re-rendered)
]


@dataclass
class FileRepair:
    """What one repairer found: what it queued again, and what is lost for good (only reported)."""

    label: str
    queued: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
