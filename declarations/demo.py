"""Publish version 1 of the declaration text of every kind, in Dutch and English (see imvo_portal/demo.py)."""

from pathlib import Path

from .constants import TextKind
from .services import declaration_text_publish

TEXTS = Path(__file__).resolve().parent / "texts"
CURRENT_VERSION = 1


def text_body(kind: str, language: str) -> str:
    """The shipped wording of version 1 of ``kind`` in ``language`` (``texts/<kind>_<language>.md``)."""
    return (TEXTS / f"{kind}_{language}.md").read_text(encoding="utf-8").strip()


def seed(*, companies: int, password: str, log) -> None:
    for kind in TextKind.values:
        for language in ("nl", "en"):
            text = declaration_text_publish(
                version=CURRENT_VERSION, language=language, body=text_body(kind, language), kind=kind
            )
            log(f"declaration text {kind} v{text.version} {language} sha256={text.sha256[:12]}")
