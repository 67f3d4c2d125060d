"""Publish the current declaration text of every kind, in Dutch and English (see core/demo.py).

``texts/<kind>_<language>.md`` is the current wording of each kind; ``texts/mission_v1_*.md`` keeps
the missions' first wording (signed before texts named their undertaking) for the record.
"""

from pathlib import Path

from .checkpoints import checkpoint_write
from .constants import CheckpointReason, TextKind
from .services import declaration_text_publish

TEXTS = Path(__file__).resolve().parent / "texts"
#: The version each shipped wording is published as.
CURRENT_VERSIONS = {TextKind.MISSION: 2}
CURRENT_VERSION = 1


def text_body(kind: str, language: str, *, version: int | None = None) -> str:
    """The shipped wording of ``kind`` in ``language``: the current one, or the missions' version 1."""
    name = f"{kind}_v1_{language}.md" if (kind, version) == (TextKind.MISSION, 1) else f"{kind}_{language}.md"
    return (TEXTS / name).read_text(encoding="utf-8").strip()


def seed(*, companies: int, password: str, log) -> None:
    for kind in TextKind.values:
        for language in ("nl", "en"):
            text = declaration_text_publish(
                version=CURRENT_VERSIONS.get(kind, CURRENT_VERSION),
                language=language,
                body=text_body(kind, language),
                kind=kind,
            )
            log(f"declaration text {kind} v{text.version} {language} sha256={text.sha256[:12]}")


def seed_checkpoint(*, companies: int, password: str, log) -> None:
    """Right after the demo data a signed checkpoint covers every record (the genesis on an empty chain)."""
    checkpoint = checkpoint_write(reason=CheckpointReason.MANUAL)
    if checkpoint is not None:
        log(f"Checkpoint {checkpoint.number} covers the declaration chain up to #{checkpoint.sequence}.")
