"""Publish declaration text version 1 in Dutch and English (see imvo_portal/demo.py)."""

from pathlib import Path

from .services import declaration_text_publish

TEXTS = Path(__file__).resolve().parent / "texts"
CURRENT_VERSION = 1


def seed(*, companies: int, password: str, log) -> None:
    for language in ("nl", "en"):
        body = (TEXTS / f"declaration_{language}.md").read_text(encoding="utf-8").strip()
        text = declaration_text_publish(version=CURRENT_VERSION, language=language, body=body)
        log(f"declaration text v{text.version} {language} sha256={text.sha256[:12]}")
