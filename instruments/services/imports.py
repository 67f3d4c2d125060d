"""CSV import of the instrument list from RVO's systems: validated, dry run, idempotent by code.

Columns (header row, comma or semicolon separated, UTF-8): ``code``, ``name_nl``, ``name_en``,
``summary_nl``, ``summary_en``, ``kind``, ``policy_area``, ``target_groups`` (``sme``, ``large``,
``knowledge``, separated by ``|``), ``typical_support_eur``, ``yearly_budget_eur``, ``used_abroad``
(yes/no), ``sectors`` (SBI letters ``A|C``), ``countries`` (ISO codes ``IN|BR``), ``status``,
``external_reference``. The first five, ``kind`` and ``policy_area`` are required.

Every row is checked first; a file with any error writes nothing and reports each error by line.
A row whose code exists updates that instrument, an identical row changes nothing, so importing
the same file twice is harmless.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from organisations.policies import require

from ..constants import InstrumentKind, InstrumentStatus, PolicyArea, TargetGroup
from ..models import Instrument
from .registry import instrument_apply_fields, instrument_save, normalise_codes

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
REQUIRED = ("code", "name_nl", "name_en", "summary_nl", "summary_en", "kind", "policy_area")
COLUMNS = (
    *REQUIRED,
    "target_groups",
    "typical_support_eur",
    "yearly_budget_eur",
    "used_abroad",
    "sectors",
    "countries",
    "status",
    "external_reference",
)
TRUE_WORDS = {"yes", "ja", "y", "j", "true", "1", "waar"}
FALSE_WORDS = {"no", "nee", "n", "false", "0", "onwaar", ""}


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, size, header); the message says why."""


@dataclass
class RowResult:
    line: int
    code: str
    action: str = ""  # "create", "update", "unchanged" or "error"
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    written: bool = False

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def count_create(self) -> int:
        return self.count("create")

    @property
    def count_update(self) -> int:
        return self.count("update")

    @property
    def count_unchanged(self) -> int:
        return self.count("unchanged")


def _errors_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in exc.message_dict.items()]
    return [str(m) for m in exc.messages]


def _amount(value: str, column: str):
    value = value.replace(".", "").replace(" ", "").replace("€", "").strip() if value else ""
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError({column: _("Enter a whole amount in euros, e.g. 250000.")})
    return int(value)


def _row_data(row: dict) -> dict:
    """The instrument fields of one row; raises ValidationError with every problem found."""
    problems: dict[str, list[str]] = {}
    for column in REQUIRED:
        if not (row.get(column) or "").strip():
            problems.setdefault(column, []).append(_("This column is required."))
    data = {c: (row.get(c) or "").strip() for c in REQUIRED}
    choices = {"kind": InstrumentKind.values, "policy_area": PolicyArea.values}
    for column, allowed in choices.items():
        if data[column] and data[column] not in allowed:
            problems.setdefault(column, []).append(
                _("Unknown value “%(value)s”; use one of: %(allowed)s.")
                % {"value": data[column][:40], "allowed": ", ".join(allowed)}
            )
    status = (row.get("status") or "").strip() or InstrumentStatus.OPEN
    if status not in InstrumentStatus.values:
        problems.setdefault("status", []).append(
            _("Unknown value “%(value)s”; use one of: %(allowed)s.")
            % {"value": status[:40], "allowed": ", ".join(InstrumentStatus.values)}
        )
    data["status"] = status
    groups = [
        g.strip()
        for g in (row.get("target_groups") or "sme").replace(";", "|").replace(",", "|").split("|")
        if g.strip()
    ]
    unknown = [g for g in groups if g not in TargetGroup.values]
    if unknown:
        problems.setdefault("target_groups", []).append(
            _("Unknown value “%(value)s”; use one of: %(allowed)s.")
            % {"value": ", ".join(unknown)[:40], "allowed": ", ".join(TargetGroup.values)}
        )
    data["for_sme"], data["for_large"], data["for_knowledge"] = (
        TargetGroup.SME in groups,
        TargetGroup.LARGE in groups,
        TargetGroup.KNOWLEDGE in groups,
    )
    abroad = (row.get("used_abroad") or "").strip().lower()
    if abroad not in TRUE_WORDS | FALSE_WORDS:
        problems.setdefault("used_abroad", []).append(_("Use yes or no."))
    data["used_abroad"] = abroad in TRUE_WORDS
    for column in ("typical_support_eur", "yearly_budget_eur"):
        try:
            data[column] = _amount(row.get(column) or "", column)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                problems.setdefault(name, []).extend(messages)
    for column in ("sectors", "countries"):
        data[column] = (row.get(column) or "").replace("|", ",")
        try:
            data[column] = normalise_codes(data[column], field=column)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                problems.setdefault(name, []).extend(messages)
    data["external_reference"] = (row.get("external_reference") or "").strip()
    if problems:
        raise ValidationError(problems)
    return data


def _read(content: bytes | str) -> list[dict]:
    if isinstance(content, bytes):
        if len(content) > MAX_IMPORT_BYTES:
            raise ImportFileError(_("The file is larger than 2 MB."))
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(_("The file is not UTF-8 text. Save it as CSV UTF-8.")) from None
    first = content.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(content), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(_("The header row lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    reader.fieldnames = header
    rows = []
    for row in reader:
        if len(rows) >= MAX_IMPORT_ROWS:
            raise ImportFileError(_("The file has more than %(max)s rows.") % {"max": MAX_IMPORT_ROWS})
        rows.append({k: v for k, v in row.items() if k is not None})
    return rows


def instruments_import_csv(*, actor, content: bytes | str, dry_run: bool, request=None) -> ImportReport:
    """Check every row and, unless ``dry_run`` or any row has an error, create or update by code.

    Raises ImportFileError when the file cannot be read at all and NotAllowed for anyone but RVO
    staff. Each written instrument is audited (``instrument_save``), and the import itself too.
    """
    require(actor, "instrument.manage")
    rows = _read(content)
    report = ImportReport(dry_run=dry_run)
    existing = {i.code: i for i in Instrument.objects.filter(code__in=[(r.get("code") or "").strip() for r in rows])}
    seen: dict[str, int] = {}
    prepared = []
    for line, row in enumerate(rows, start=2):
        code = (row.get("code") or "").strip()
        result = RowResult(line=line, code=code)
        report.rows.append(result)
        if code and code in seen:
            result.errors.append(_("Code %(code)s also appears on line %(line)s.") % {"code": code, "line": seen[code]})
        seen.setdefault(code, line)
        try:
            data = _row_data(row)
            current = existing.get(code)
            probe = Instrument.objects.get(pk=current.pk) if current else Instrument()
            changed = instrument_apply_fields(probe, data)
            result.action = "update" if current and changed else "unchanged" if current else "create"
            prepared.append((result, current, data))
        except ValidationError as exc:
            result.errors.extend(_errors_of(exc))
        if result.errors:
            result.action = "error"
    if dry_run or report.errors:
        return report
    with transaction.atomic():
        for result, current, data in prepared:
            if result.action in ("create", "update"):
                instrument_save(actor=actor, data=data, instrument=current, request=request)
        audit_event_record(
            action="instrument.import",
            actor=actor,
            request=request,
            details={a: report.count(a) for a in ("create", "update", "unchanged")},
        )
    report.written = True
    return report
