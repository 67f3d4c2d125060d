"""Every setting read from the environment, declared once: its name, type, default and meaning.

``imvo_portal/settings.py`` reads each environment variable through a :class:`Config`, and the
call that reads a variable is its declaration: there is no second list to forget. The registry
the calls fill (:func:`declared`) is what ``manage.py settings_doc`` turns into
``docs/configuration.md``, so the reference cannot miss a variable or drift from its default.

A declaration never depends on the machine: when a default is computed (from ``DEBUG``, another
variable or a path of the checkout), ``default_doc`` says in words what it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

# How each type is named in the reference, and how an operator writes a value of it.
TYPE_NAMES = {
    "str": "text",
    "text": "text (multi-line; `\\n` for a line break)",
    "bool": "boolean (`1`/`0`)",
    "int": "integer",
    "float": "number",
    "list": "list (comma-separated)",
    "path": "path",
    "db_url": "database URL",
    "email_url": "e-mail URL",
}


@dataclass(frozen=True)
class Setting:
    """One environment variable: what the reference says about it."""

    name: str
    type: str
    default: Any
    help: str
    group: str
    production_required: bool = False
    default_doc: str | None = None
    secret: bool = False

    def default_text(self) -> str:
        """The default as the reference shows it (never a secret, never a path of this machine)."""
        if self.default_doc is not None:
            return self.default_doc
        value = self.default
        if value in ("", None, []):
            return "empty"
        if isinstance(value, bool):
            return "`1`" if value else "`0`"
        if isinstance(value, list | tuple):
            return "`" + ",".join(str(item) for item in value) + "`"
        return f"`{value}`"


@dataclass
class Registry:
    settings: dict[str, Setting] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)

    def add(self, setting: Setting) -> None:
        known = self.settings.get(setting.name)
        if known is not None and known != setting:
            raise ImproperlyConfigured(f"{setting.name} is declared twice, differently.")
        self.settings[setting.name] = setting
        if setting.group not in self.groups:
            self.groups.append(setting.group)


_REGISTRY = Registry()


def declared() -> list[Setting]:
    """Every declared setting, in the order settings.py reads them."""
    return list(_REGISTRY.settings.values())


def declared_groups() -> list[tuple[str, list[Setting]]]:
    """The declared settings by group, groups in the order they were opened."""
    settings = declared()
    return [(group, [s for s in settings if s.group == group]) for group in _REGISTRY.groups]


class Config:
    """Reads environment variables the way django-environ does, declaring each one as it reads it.

    ``conf.group("E-mail")`` opens a group; each read names the variable, its default and its
    meaning: ``conf.int("EMAIL_TIMEOUT", default=20, help="...")``.
    """

    def __init__(self, env: environ.Env | None = None, *, registry: Registry | None = None):
        self.env = env if env is not None else environ.Env()
        self.registry = registry if registry is not None else _REGISTRY
        self._group = "General"

    def group(self, title: str) -> None:
        """The declarations that follow belong to this group (one table in the reference)."""
        self._group = title

    def _declare(self, name, kind, default, help, production_required, default_doc, secret) -> None:
        if not help:
            raise ImproperlyConfigured(f"{name} needs a meaning (help).")
        if secret and default not in ("", None, []) and default_doc is None:
            raise ImproperlyConfigured(f"{name} is a secret: describe its default in words (default_doc).")
        self.registry.add(
            Setting(
                name=name,
                type=kind,
                default=default,
                help=" ".join(help.split()),
                group=self._group,
                production_required=production_required,
                default_doc=default_doc,
                secret=secret,
            )
        )

    def _read(self, reader, name, kind, default, help, production_required, default_doc, secret, **options):
        self._declare(name, kind, default, help, production_required, default_doc, secret)
        return reader(name, default=default, **options)

    def str(self, name, *, default, help, production_required=False, default_doc=None, secret=False) -> str:
        return self._read(self.env.str, name, "str", default, help, production_required, default_doc, secret)

    def text(self, name, *, default, help, production_required=False, default_doc=None, secret=False) -> str:
        """A multi-line value (a PEM key): ``\\n`` in the variable becomes a line break."""
        return self._read(
            self.env.str, name, "text", default, help, production_required, default_doc, secret, multiline=True
        )

    def bool(self, name, *, default, help, production_required=False, default_doc=None) -> bool:
        return self._read(self.env.bool, name, "bool", default, help, production_required, default_doc, False)

    def int(self, name, *, default, help, production_required=False, default_doc=None) -> int:
        return self._read(self.env.int, name, "int", default, help, production_required, default_doc, False)

    def float(self, name, *, default, help, production_required=False, default_doc=None) -> float:
        return self._read(self.env.float, name, "float", default, help, production_required, default_doc, False)

    def list(self, name, *, default, help, production_required=False, default_doc=None, secret=False) -> list:
        return self._read(self.env.list, name, "list", default, help, production_required, default_doc, secret)

    def path(self, name, *, default, help, default_doc=None):
        """A folder or file; the default is a path of the checkout, so it always needs ``default_doc``."""
        from pathlib import Path

        return Path(self._read(self.env.str, name, "path", str(default), help, False, default_doc, False))

    def db_url(self, name, *, default, help, default_doc=None) -> dict:
        return self._read(self.env.db, name, "db_url", default, help, False, default_doc, True)

    def email_url(self, name, *, default, help, default_doc=None) -> dict:
        return self._read(self.env.email_url, name, "email_url", default, help, False, default_doc, True)

    def external(self, name, *, reader, help, default="", secret=False) -> None:
        """Declare a variable that a library reads from the environment itself (not settings.py)."""
        self._declare(name, "str", default, f"{help} (Read by {reader} itself.)", False, None, secret)

    def refuse_missing(self, names: Iterable[str], message: str) -> None:
        """Stop start-up when any of these declared variables is unset or empty (production)."""
        for name in names:
            if name not in self.registry.settings:
                raise ImproperlyConfigured(f"{name} is checked but never declared.")
        missing = [name for name in names if not self.env.str(name, default="")]
        if missing:
            raise ImproperlyConfigured(message.format(names=", ".join(missing)))


def document(groups: list[tuple[str, list[Setting]]] | None = None) -> str:
    """``docs/configuration.md``: one table per group, written from the declarations."""
    groups = declared_groups() if groups is None else groups
    count = sum(len(settings) for _group, settings in groups)
    lines = [
        "# Configuration",
        "",
        "<!-- Generated by `python manage.py settings_doc --write` from the declarations in",
        "     imvo_portal/settings.py (core/conf.py); do not edit by hand. -->",
        "",
        "For operators. The portal reads these environment variables (or an `.env` file in the project",
        "folder) and nothing else; with none set it runs embedded (SQLite, Celery eager, console e-mail,",
        "`DEBUG` on). **Required in production** marks what start-up or `manage.py check --deploy` refuses",
        "to do without once `DJANGO_DEBUG=0`. Values of type list are comma-separated; booleans are `1`",
        "or `0`. Settings that are not read from the environment (rate limits, Celery time limits, beat",
        "schedule) are constants in `imvo_portal/settings.py`, each with a comment.",
        "",
        f"{count} variables in {len(groups)} groups:",
        "",
    ]
    lines += [f"- [{group}](#{_anchor(group)})" for group, _settings in groups]
    for group, settings in groups:
        lines += ["", f"## {group}", "", "| variable | type | default | meaning |", "| --- | --- | --- | --- |"]
        for setting in settings:
            meaning = setting.help
            if setting.production_required:
                meaning = "**Required in production.** " + meaning
            cells = [f"`{setting.name}`", TYPE_NAMES[setting.type], setting.default_text(), meaning]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _anchor(title: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")
