"""The instrument application as a declaration subject (``declarations.subjects``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from declarations.constants import TextKind
from declarations.subjects import OverviewRow, Undertaking

from .constants import ApplicationStatus, InstrumentKind
from .models import InstrumentApplication
from .selectors import application_overview_for

#: Which declaration text an applicant signs, by the kind of instrument (one place).
TEXT_KIND_OF_INSTRUMENT = {
    InstrumentKind.SUBSIDY: TextKind.SUBSIDY,
    InstrumentKind.LOAN: TextKind.FINANCE,
    InstrumentKind.GUARANTEE: TextKind.FINANCE,
    InstrumentKind.TAX: TextKind.TAX,
    InstrumentKind.ADVICE: TextKind.NETWORK,
    InstrumentKind.MISSION: TextKind.MISSION,
}


def text_kind_for(instrument) -> str:
    return TEXT_KIND_OF_INSTRUMENT[instrument.kind]


class ApplicationSubject:
    key = "instrument_application"
    model_label = "instruments.instrumentapplication"
    text_kinds = frozenset(TEXT_KIND_OF_INSTRUMENT.values())

    def label(self) -> str:
        return _("instrument application")

    def load(self, ids) -> dict[int, InstrumentApplication]:
        applications = InstrumentApplication.objects.filter(pk__in=list(ids)).select_related(
            "instrument", "organisation"
        )
        return {application.pk: application for application in applications}

    def organisation_id(self, subject: InstrumentApplication) -> int:
        return subject.organisation_id

    def undertaking(self, subject: InstrumentApplication) -> Undertaking:
        instrument = subject.instrument
        return Undertaking(
            text_kind=text_kind_for(instrument),
            code=instrument.code,
            name_nl=instrument.name_nl,
            name_en=instrument.name_en or instrument.name_nl,
            reference=subject.reference,
            extra={"framework_level": subject.level},
        )

    def brochure_version(self, subject: InstrumentApplication) -> str:
        return subject.imvo_brochure_version

    def current_declaration_id(self, subject: InstrumentApplication) -> int | None:
        return subject.current_declaration_id

    def current_declaration_set(self, subject: InstrumentApplication, declaration) -> None:
        subject.current_declaration = declaration
        subject.save(update_fields=["current_declaration"])

    def current_declaration_pointers(self) -> dict[int, int]:
        return dict(
            InstrumentApplication.objects.exclude(current_declaration=None).values_list("pk", "current_declaration_id")
        )

    def url(self, subject: InstrumentApplication) -> str:
        return reverse("instruments:application", args=[subject.pk])

    def overview(self, *, organisation_ids: list[int]) -> list[OverviewRow]:
        return [
            OverviewRow(
                subject_type=self.key,
                subject_id=application.pk,
                kind_label=application.instrument.get_kind_display(),
                title=application.instrument.name,
                reference=application.reference,
                status=application.get_status_display(),
                next_step=application_next_step(application),
                url=self.url(application),
                organisation_name=application.organisation.name,
                updated_at=application.created_at,
                declaration=application.current_declaration,
            )
            for application in application_overview_for(organisation_ids=organisation_ids)
        ]


def application_next_step(application: InstrumentApplication) -> str:
    steps = {
        ApplicationStatus.OPEN: _("Complete the IMVO conditions of your application."),
        ApplicationStatus.COMPLETE: _("The IMVO conditions are met; your application continues at RVO."),
        ApplicationStatus.FOLLOW_UP: _("An RVO adviser contacts you about the follow-up."),
    }
    return str(steps.get(application.status, ""))
