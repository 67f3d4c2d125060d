"""Fill the database with synthetic volume for the dashboard benchmark.

    python manage.py generate_volume --organisations 50000 --declarations 1000000

Creates organisations (size class by the one large-company rule), missions over the last ten
years, submitted registrations, a hash-chained declaration record for each (a few get a second
record: a withdrawal or a later endorsement) with a receipt reference (``IMVO-YYYY-NNNNNN``, so
its verification code can be derived like any other), their erasable personal rows (synthetic, no
real person), some preparation-session attendance, then builds the rollups.

One transaction under the chain lock. Ids are reserved from the sequences up front, so every row
(a registration pointing at its latest declaration included) is written once, from a tuple, not a
model instance: on PostgreSQL with ``COPY``, elsewhere with ``bulk_create``. On PostgreSQL the
loaded tables' secondary indexes, unique constraints and foreign keys are dropped for the load and
created again after it (``bulk.indexes_deferred``: one sort per index, one check per foreign key),
and the dashboard's change triggers are paused (a full rebuild follows). Those tables are locked
for the whole run: use it on a benchmark database, not a live one. On an empty chain the result
passes ``verify_declarations`` (one signed checkpoint covers the synthetic chain); a run on top of
a chain that already has checkpoints writes no interval checkpoint inside the records it adds,
which ``verify_declarations`` reports as an overdue checkpoint. A million declarations take
under two minutes on PostgreSQL on two quiet cores.
"""

import random
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from dashboard.bulk import RowWriter, dashboard_triggers_paused, ids_forget, ids_reserve, indexes_deferred
from dashboard.models import AttendanceFact, RegistrationFact, UptakeOrganisation
from dashboard.services import rollups_rebuild
from declarations.checkpoints import chain_lock, checkpoint_write
from declarations.constants import GENESIS_HASH, RECORD_FORMAT_2, Decision, TextKind
from declarations.hashing import personal_hash, record_hash
from declarations.models import Declaration, DeclarationPersonalData, DeclarationText, text_sha256
from declarations.references import REFERENCE_RE, reference_format, reference_year
from declarations.services import declaration_text_publish
from declarations.subjects import text_for
from missions.constants import MissionStatus, RegistrationStatus, Theme
from missions.models import Attendance, Mission, Participant, PreparationSession, Registration
from missions.subjects import RegistrationSubject, mission_undertaking
from organisations.constants import OrganisationKind, SizeClass
from organisations.models import Organisation

BATCH = 10_000
SECTORS = "CCCCCMMMMJJJGGAADEFHKNQ"
COUNTRIES = ["JP", "IN", "KE", "US", "BR", "ZA", "ID", "VN", "KR", "SG", "MX", "CL", "GH", "NG", "AE", "CN", "CA"]
CITIES = ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen", "Delft", "Enschede", "Zwolle", "Breda"]
KVK_BASE = 30_000_000
SIGNATORY = ("Synthetische ondertekenaar", "Directeur", "generate_volume")
REFERENCE_MAX = 999_999  # IMVO-YYYY-NNNNNN
# The columns given per row; the writer fills in the models' other fields with their defaults.
REGISTRATION_COLUMNS = (
    "id",
    "mission_id",
    "organisation_id",
    "status",
    "submitted_at",
    "status_changed_at",
    "current_declaration_id",
)
DECLARATION_COLUMNS = tuple(field.attname for field in Declaration._meta.concrete_fields)
PERSONAL_COLUMNS = ("declaration_id",)


class Command(BaseCommand):
    help = (
        "Generate synthetic organisations, registrations and declarations (with receipt references) "
        "for the dashboard benchmark. Locks the tables it loads until it ends: not for a live database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=2000)
        parser.add_argument("--declarations", type=int, default=20000)
        parser.add_argument("--missions", type=int, default=0, help="Default: one per 5000 declarations (at least 10).")
        parser.add_argument("--attendance", type=float, default=0.05, help="Share of registrations with a participant.")
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args, **options):
        self.rng = random.Random(options["seed"])
        n_orgs, n_decl = options["organisations"], options["declarations"]
        if n_orgs < 1 or n_decl < 1:
            raise CommandError("Both --organisations and --declarations must be positive.")
        n_missions = options["missions"] or min(400, max(10, n_decl // 5000, -(-2 * n_decl // n_orgs)))
        per_mission = -(-n_decl // n_missions)
        if per_mission > n_orgs:
            raise CommandError(f"Need at least {per_mission} organisations for {n_missions} missions; add --missions.")
        started = time.monotonic()
        with transaction.atomic(), dashboard_triggers_paused():
            chain_lock()  # no signing may take a sequence number or reference while the load runs
            ids_forget()
            self.id_pools = {}
            self._chain_start()
            self.missions = self._missions(n_missions)
            text = self._text()
            self._log(f"{n_missions} missions", started)
            with indexes_deferred(
                Organisation, Registration, Declaration, DeclarationPersonalData, Participant, Attendance
            ):
                self.writers = {
                    Organisation: RowWriter(Organisation),
                    Registration: RowWriter(Registration, REGISTRATION_COLUMNS),
                    Declaration: RowWriter(Declaration, DECLARATION_COLUMNS),
                    DeclarationPersonalData: RowWriter(
                        DeclarationPersonalData,
                        PERSONAL_COLUMNS,
                        same={
                            "signatory_name": SIGNATORY[0],
                            "signatory_position": SIGNATORY[1],
                            "user_agent": SIGNATORY[2],
                        },
                    ),
                    Participant: RowWriter(Participant),
                    Attendance: RowWriter(Attendance),
                }
                org_ids, sizes = self._organisations(n_orgs)
                self._log(f"{n_orgs} organisations", started)
                made = self._registrations_and_declarations(
                    self.missions, org_ids, sizes, n_decl, options["attendance"], text
                )
                for writer in self.writers.values():
                    writer.flush()
                self._log(f"{made} declarations written", started)
            self._log("indexes and constraints built", started)
        self._log("committed", started)
        checkpoint_write()  # a signed checkpoint over the synthetic chain, so verify_declarations passes
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Statistics for the planner, and the visibility map for index-only scans.
                cursor.execute("VACUUM ANALYZE")
            self._log("vacuumed and analysed", started)
        state = self._rollups_build()
        self._log(f"rollups built from {state.facts} registrations in {state.duration_ms} ms", started)

    def _rollups_build(self):
        """The full rebuild over the new volume, with the load's means: memory to hash-join and group
        a million facts in, and the indexes of the tables it fills from empty built once at the
        end (the rebuild upserts facts with ``ON CONFLICT``: their unique keys stay)."""
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '256MB'")
            with (
                indexes_deferred(UptakeOrganisation),
                indexes_deferred(RegistrationFact, AttendanceFact, unique=False),
            ):
                return rollups_rebuild()

    def _id(self, model) -> int:
        pool = self.id_pools.get(model)
        if not pool:
            pool = self.id_pools[model] = list(reversed(ids_reserve(model, BATCH)))
        return pool.pop()

    def _log(self, what: str, started: float) -> None:
        self.stdout.write(f"[{time.monotonic() - started:7.1f}s] {what}")

    def _chain_start(self) -> None:
        """Where the chain and each year's references go on (read before the indexes are dropped)."""
        last = Declaration.objects.order_by("-sequence").only("sequence", "record_hash").first()
        self.sequence = last.sequence if last else 0
        self.previous = last.record_hash if last else GENESIS_HASH
        self.references: dict[int, int] = {}
        with connection.cursor() as cursor:
            # Each year's highest reference (they sort as text within a year: fixed width).
            cursor.execute(
                "SELECT MAX(reference) FROM declarations_declaration WHERE reference <> '' "
                "GROUP BY substr(reference, 1, 10)"
            )
            for (highest,) in cursor.fetchall():
                match = REFERENCE_RE.match(highest)
                if match:
                    self.references[int(match.group(1))] = int(match.group(2))

    def _reference(self, signed_at: datetime) -> str:
        """The next reference of the signing year; none once a year's six digits run out."""
        year = reference_year(signed_at)
        number = self.references.get(year, 0) + 1
        if number > REFERENCE_MAX:
            return ""
        self.references[year] = number
        return reference_format(year, number)

    def _organisations(self, count: int) -> tuple[list[int], dict[int, tuple]]:
        start = Organisation.objects.filter(kvk_number__gte=str(KVK_BASE), kvk_number__lt="40000000").count()
        rng, ids, sizes = self.rng, [], {}
        writer = self.writers[Organisation]
        for i in range(count):
            employees = int(rng.lognormvariate(3.6, 1.5)) + 1
            per_employee = rng.uniform(60_000, 260_000)
            turnover = Decimal(int(employees * per_employee))
            roll = rng.random()
            kind = (
                OrganisationKind.COMPANY
                if roll < 0.86
                else OrganisationKind.KNOWLEDGE_INSTITUTION
                if roll < 0.95
                else OrganisationKind.OTHER
            )
            org = Organisation(
                name=f"Synthetische organisatie {start + i:06d}",
                kvk_number=f"{KVK_BASE + start + i:08d}",
                kind=kind,
                sector=rng.choice(SECTORS),
                city=rng.choice(CITIES),
                employees=employees,
                annual_turnover_eur=turnover,
                balance_sheet_total_eur=(turnover * Decimal("0.45")).quantize(1),
                figures_year=date.today().year - 1,
            )
            org.size_class = SizeClass.LARGE if org.is_large else SizeClass.SME  # the one rule
            org.pk = self._id(Organisation)
            writer.add_instance(org)
            ids.append(org.pk)
            sizes[org.pk] = (org.size_class, org.name, org.kvk_number)
        writer.flush()
        return ids, sizes

    def _missions(self, count: int) -> list[Mission]:
        rng, today, now = self.rng, date.today(), datetime.now(tz=UTC)
        first_year = today.year - 9
        prefix = f"volume-{secrets.token_hex(3)}"
        missions = []
        for i in range(count):
            year = first_year + i * 10 // count
            starts = date(year, 1, 15) + timedelta(days=rng.randrange(0, 330))
            closes = datetime(starts.year, starts.month, starts.day, tzinfo=UTC) - timedelta(days=30)
            status = MissionStatus.COMPLETED if starts < today else MissionStatus.PUBLISHED
            country = rng.choice(COUNTRIES)
            missions.append(
                Mission(
                    slug=f"{prefix}-{i}",
                    title_nl=f"Synthetische missie {i + 1} naar {country} ({year})",
                    title_en=f"Synthetic mission {i + 1} to {country} ({year})",
                    summary_nl="Volumetest.",
                    summary_en="Volume test.",
                    description_nl="Volumetest.",
                    description_en="Volume test.",
                    country=country,
                    theme=rng.choice(Theme.values),
                    starts_on=starts,
                    ends_on=starts + timedelta(days=5),
                    registration_opens_at=min(closes - timedelta(days=60), now),
                    registration_closes_at=closes,
                    capacity_min=5,
                    capacity_max=32000,
                    status=status,
                    requires_declaration=True,
                )
            )
        Mission.objects.bulk_create(missions)
        return list(Mission.objects.filter(slug__startswith=prefix).order_by("starts_on"))

    def _text(self) -> DeclarationText:
        text = (
            DeclarationText.objects.filter(kind=TextKind.MISSION, published_at__isnull=False)
            .order_by("-version")
            .first()
        )
        return text or declaration_text_publish(version=1, language="nl", body="Synthetische verklaring (volumetest).")

    def _registrations_and_declarations(self, missions, org_ids, sizes, target: int, attendance: float, text) -> int:
        rng = self.rng
        # Every synthetic record has the same personal data (salt empty), so one hash serves all and
        # verify_declarations finds them consistent.
        self.personal_hash = personal_hash(
            salt="", name=SIGNATORY[0], position=SIGNATORY[1], ip_address=None, user_agent=SIGNATORY[2]
        )
        self.record = self._record_template(text)
        per_mission = -(-target // len(missions))
        made = 0
        write_registration = self.writers[Registration].add
        for index, mission in enumerate(missions):
            if made >= target:
                break
            signed_base = datetime(mission.starts_on.year, mission.starts_on.month, mission.starts_on.day, tzinfo=UTC)
            # The last mission takes as many organisations as it needs to reach the target exactly.
            chosen = rng.sample(org_ids, len(org_ids) if index == len(missions) - 1 else per_mission)
            attending = []
            undertaking = mission_undertaking(mission)
            snapshot = undertaking.snapshot()
            # The text as shown names the mission: its hash is the same for every record of the mission.
            self.record.signed_text_sha256 = text_sha256(text_for(text.body, undertaking, language=text.language))
            for org_id in chosen:
                if made >= target:
                    break
                size = sizes[org_id][0]
                roll = rng.random()
                if roll < 0.03:
                    plan = ()
                    status = RegistrationStatus.PENDING_SIGNATURE
                else:
                    endorse_p = 0.88 if size == SizeClass.LARGE else 0.74
                    first = Decision.ENDORSED if rng.random() < endorse_p else Decision.NOT_ENDORSED
                    second = rng.random()
                    if first == Decision.ENDORSED:
                        plan = (first, Decision.WITHDRAWN) if second < 0.02 else (first,)
                        status = (
                            RegistrationStatus.WITHDRAWN
                            if len(plan) == 2
                            else RegistrationStatus.WAITLISTED
                            if second < 0.1
                            else RegistrationStatus.CONFIRMED
                        )
                    else:
                        plan = (first, Decision.ENDORSED) if second < 0.15 else (first,)
                        status = (
                            RegistrationStatus.CONFIRMED
                            if len(plan) == 2
                            else RegistrationStatus.REJECTED
                            if second < 0.25
                            else RegistrationStatus.HELD_FOR_REVIEW
                        )
                registration_id = self._id(Registration)
                submitted = signed_base - timedelta(days=rng.randrange(31, 90))
                current = None
                for n, decision in enumerate(plan):
                    if made >= target:
                        break
                    # The latest record is the registration's current one.
                    current = self._declaration(
                        registration_id, org_id, decision, sizes, submitted + timedelta(days=n * 7), snapshot=snapshot
                    )
                    made += 1
                write_registration((registration_id, mission.pk, org_id, status.value, submitted, submitted, current))
                if rng.random() < attendance:
                    attending.append(registration_id)
            if made // 100_000 != (made - per_mission) // 100_000:
                self.stdout.write(f"  ... {made} declarations")
            self._attendance(mission, attending)
        return made

    def _record_template(self, text: DeclarationText):
        """The values every synthetic record shares; ``_declaration`` sets the rest per record. A
        plain namespace, not a model instance: hashed and written from the same values, at a
        fraction of the cost of building a million model instances."""
        template = Declaration(
            # Format 2 (explanation in the record): one personal hash serves every synthetic record.
            format_version=RECORD_FORMAT_2,
            subject_type=RegistrationSubject.key,
            text=text,
            text_kind=text.kind,
            signed_text_sha256="",  # set per mission: the text as shown names it
            text_version=text.version,
            text_language=text.language,
            text_sha256=text.sha256,
            user=None,
            brochure_version="",
            reused_from=None,
            personal_hash=self.personal_hash,
            # Columns with a database default hold a placeholder until saved; the hash needs values.
            instrument_code="",
            application_reference="",
            authority="",
            legacy_registration_id=None,
            legacy_instrument_application_id=None,
        )
        return SimpleNamespace(
            **{field.attname: getattr(template, field.attname) for field in Declaration._meta.concrete_fields}
        )

    def _declaration(
        self, registration_id: int, organisation_id: int, decision, sizes, signed_at, *, snapshot: dict
    ) -> int:
        self.sequence += 1
        _size, name, kvk = sizes[organisation_id]
        record = self.record
        record.id = self._id(Declaration)
        record.sequence = self.sequence
        record.reference = self._reference(signed_at)
        record.subject_id = registration_id
        record.subject_snapshot = snapshot
        record.organisation_id = organisation_id
        record.organisation_name = name
        record.organisation_kvk = kvk
        record.decision = decision.value
        record.explanation = "Synthetisch: nog in overleg." if decision == Decision.NOT_ENDORSED else ""
        record.confirms_authority = decision != Decision.WITHDRAWN
        record.signed_at = signed_at
        record.previous_hash = self.previous
        record.record_hash = self.previous = record_hash(record)
        self.writers[Declaration].add([getattr(record, name) for name in DECLARATION_COLUMNS])
        self.writers[DeclarationPersonalData].add((record.id,))
        return record.id

    def _attendance(self, mission, registration_ids) -> None:
        if not registration_ids:
            return
        starts = datetime(mission.starts_on.year, mission.starts_on.month, mission.starts_on.day, 9, tzinfo=UTC)
        session = PreparationSession.objects.create(
            mission=mission,
            title_nl="Voorbereiding IMVO",
            title_en="IMVO preparation",
            starts_at=starts - timedelta(days=21),
            ends_at=starts - timedelta(days=21) + timedelta(hours=3),
        )
        statuses = ["attended"] * 8 + ["absent", "excused"]
        for registration_id in registration_ids:
            participant = Participant(
                pk=self._id(Participant),
                registration_id=registration_id,
                name="Synthetische deelnemer",
                email="deelnemer@volume.invalid",
                position="Adviseur",
            )
            self.writers[Participant].add_instance(participant)
            self.writers[Attendance].add_instance(
                Attendance(
                    pk=self._id(Attendance),
                    session=session,
                    participant_id=participant.pk,
                    status=self.rng.choice(statuses),
                )
            )
