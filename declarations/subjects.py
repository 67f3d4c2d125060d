"""What a declaration is made about: the subject protocol that higher apps implement and register.

A declaration is made about a *subject*: today a mission registration (``missions``) or an
instrument application (``instruments``), tomorrow any programme. ``declarations`` is the lower
layer and never imports those apps; each registers a ``SubjectType`` in its ``AppConfig.ready()``
under a stable key that records store in ``subject_type``. Receipts, ``/verify/``, my-data, staff
pages and e-mails ask the protocol (``subject_of``, ``undertaking_of``), never the concrete model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import get_language

from .constants import UNDERTAKING_PLACEHOLDER


@dataclass(frozen=True)
class Undertaking:
    """The undertaking a declaration is made for, as it is named in the text and on the receipt."""

    text_kind: str  # a ``TextKind``: which text the signatory reads
    code: str  # the mission's slug or the instrument's code
    name_nl: str
    name_en: str
    reference: str = ""  # the user's own reference (an instrument application), if any
    extra: dict[str, Any] = field(default_factory=dict)  # further facts recorded at signing

    def name(self, language: str | None = None) -> str:
        language = (language or get_language() or "nl")[:2]
        return self.name_en if language == "en" and self.name_en else self.name_nl

    def snapshot(self) -> dict[str, Any]:
        """The facts hashed into a (format 2) record: JSON-safe strings and integers only."""
        return {
            "text_kind": self.text_kind,
            "code": self.code,
            "name_nl": self.name_nl,
            "name_en": self.name_en,
            "reference": self.reference,
            **self.extra,
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Undertaking:
        known = {"text_kind", "code", "name_nl", "name_en", "reference"}
        return cls(
            text_kind=data.get("text_kind", ""),
            code=data.get("code", ""),
            name_nl=data.get("name_nl", ""),
            name_en=data.get("name_en", ""),
            reference=data.get("reference", ""),
            extra={k: v for k, v in data.items() if k not in known},
        )


@dataclass(frozen=True)
class OverviewRow:
    """One line of a company's overview "Mijn aanmeldingen en aanvragen"."""

    subject_type: str
    subject_id: int
    kind_label: str  # "Innovatiemissie", "Subsidie", ...
    title: str
    reference: str
    status: str
    next_step: str
    url: str
    organisation_name: str
    updated_at: Any
    declaration: Any = None  # the current declaration record, if any


class SubjectType(Protocol):
    """What ``declarations`` needs to know of one kind of subject (implemented by a higher app)."""

    key: str  # stored in ``Declaration.subject_type``; never changes once records use it
    model_label: str  # the subject's model, "app_label.modelname"
    text_kinds: frozenset[str]  # the kinds of text its undertakings can ask for

    def label(self) -> str: ...  # "missieaanmelding" / "instrument application"

    def load(self, ids: Iterable[int]) -> dict[int, Any]: ...  # subjects by id, ready for the calls below

    def organisation_id(self, subject) -> int: ...

    def undertaking(self, subject) -> Undertaking: ...

    def brochure_version(self, subject) -> str: ...  # the IMVO brochure version opened, "" if none

    def current_declaration_id(self, subject) -> int | None: ...

    def current_declaration_set(self, subject, declaration) -> None: ...  # inside the caller's transaction

    def current_declaration_pointers(self) -> dict[int, int]: ...  # every subject's pointer that is set, by id

    def url(self, subject) -> str: ...  # where the user goes next (the subject's own page)

    def overview(self, *, organisation_ids: list[int]) -> list[OverviewRow]: ...


_types: dict[str, SubjectType] = {}


def subject_type_register(subject_type: SubjectType) -> None:
    _types[subject_type.key] = subject_type


def subject_types() -> list[SubjectType]:
    return list(_types.values())


def subject_type_get(key: str) -> SubjectType:
    try:
        return _types[key]
    except KeyError:
        raise LookupError(f"No declaration subject type {key!r} is registered.") from None


def subject_key_for(subject) -> str:
    """The registered key of a subject instance (by its model)."""
    label = subject._meta.label_lower
    for key, subject_type in _types.items():
        if getattr(subject_type, "model_label", None) == label:
            return key
    raise LookupError(f"No declaration subject type is registered for {label}.")


def subject_of(declaration):
    """The subject instance a record is about (None if it no longer exists)."""
    return subject_type_get(declaration.subject_type).load([declaration.subject_id]).get(declaration.subject_id)


def subjects_of(declarations: Iterable) -> dict[tuple[str, int], Any]:
    """The subjects of many records, one query per subject type: {(type, id): subject}."""
    wanted: dict[str, set[int]] = {}
    for declaration in declarations:
        wanted.setdefault(declaration.subject_type, set()).add(declaration.subject_id)
    found = {}
    for key, ids in wanted.items():
        for pk, subject in subject_type_get(key).load(ids).items():
            found[(key, pk)] = subject
    return found


def undertaking_of(declaration, subject=None) -> Undertaking:
    """The undertaking as recorded: the record's snapshot (format 2), else the subject as it is now."""
    if declaration.subject_snapshot:
        return Undertaking.from_snapshot(declaration.subject_snapshot)
    subject = subject if subject is not None else subject_of(declaration)
    if subject is None:
        return Undertaking(text_kind="", code="", name_nl="", name_en="")
    return subject_type_get(declaration.subject_type).undertaking(subject)


def text_for(body: str, undertaking: Undertaking | None, *, language: str) -> str:
    """A declaration text as the signatory reads it: the undertaking's name filled in."""
    if undertaking is None or UNDERTAKING_PLACEHOLDER not in body:
        return body
    return body.replace(UNDERTAKING_PLACEHOLDER, f"{undertaking.name(language)} ({undertaking.code})")


def text_as_signed(declaration) -> str:
    """The text its signatory read and signed: the body with the undertaking as recorded, in the
    language it was signed in (receipts and e-mails show it; ``signed_text_sha256`` hashes it)."""
    return text_for(declaration.text.body, undertaking_of(declaration), language=declaration.text.language)


def other_kind_of_text(declaration, undertaking: Undertaking) -> bool:
    """Whether the record was signed on the text of another kind of undertaking than ``undertaking``'s
    (an instrument signed on the missions' text, before texts had kinds). One rule for the receipt,
    ``/verify/``, the application page and the invitations."""
    expected = undertaking.text_kind
    return bool(expected) and expected != (declaration.text_kind or declaration.text.kind)


def is_current(declaration, subject=None) -> bool:
    subject = subject if subject is not None else subject_of(declaration)
    if subject is None:
        return False
    return subject_type_get(declaration.subject_type).current_declaration_id(subject) == declaration.pk
