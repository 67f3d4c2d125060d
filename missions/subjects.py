"""The mission registration as a declaration subject (``declarations.subjects``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from declarations.constants import TextKind
from declarations.subjects import OverviewRow, Undertaking

from .constants import RegistrationStatus
from .models import Registration
from .selectors import registration_overview_for


def mission_undertaking(mission) -> Undertaking:
    """A mission as the undertaking a declaration names (the same for every registration of it)."""
    return Undertaking(
        text_kind=TextKind.MISSION,
        code=mission.slug,
        name_nl=mission.title_nl,
        name_en=mission.title_en or mission.title_nl,
    )


class RegistrationSubject:
    key = "mission_registration"
    model_label = "missions.registration"
    text_kinds = frozenset({TextKind.MISSION})

    def label(self) -> str:
        return _("mission registration")

    def load(self, ids) -> dict[int, Registration]:
        registrations = Registration.objects.filter(pk__in=list(ids)).select_related("mission", "organisation")
        return {registration.pk: registration for registration in registrations}

    def organisation_id(self, subject: Registration) -> int:
        return subject.organisation_id

    def undertaking(self, subject: Registration) -> Undertaking:
        return mission_undertaking(subject.mission)

    def brochure_version(self, subject: Registration) -> str:
        return subject.imvo_brochure_version

    def current_declaration_id(self, subject: Registration) -> int | None:
        return subject.current_declaration_id

    def current_declaration_set(self, subject: Registration, declaration) -> None:
        subject.current_declaration = declaration
        subject.save(update_fields=["current_declaration"])

    def current_declaration_pointers(self) -> dict[int, int]:
        return dict(Registration.objects.exclude(current_declaration=None).values_list("pk", "current_declaration_id"))

    def url(self, subject: Registration) -> str:
        return reverse("my:registration", args=[subject.pk])

    def overview(self, *, organisation_ids: list[int]) -> list[OverviewRow]:
        return [
            OverviewRow(
                subject_type=self.key,
                subject_id=registration.pk,
                kind_label=_("Innovation mission"),
                title=registration.mission.title,
                reference=registration.current_declaration.reference if registration.current_declaration else "",
                status=registration.get_status_display(),
                next_step=registration_next_step(registration),
                url=self.url(registration),
                organisation_name=registration.organisation.name,
                updated_at=registration.status_changed_at or registration.created_at,
                declaration=registration.current_declaration,
            )
            for registration in registration_overview_for(organisation_ids=organisation_ids)
        ]


def registration_next_step(registration: Registration) -> str:
    steps = {
        RegistrationStatus.DRAFT: _("Complete your registration."),
        RegistrationStatus.PENDING_SIGNATURE: _("An authorised signatory signs the declaration."),
        RegistrationStatus.HELD_FOR_REVIEW: _("RVO reviews your registration."),
        RegistrationStatus.CONFIRMED: _("Take part in the preparation sessions."),
        RegistrationStatus.WAITLISTED: _("You are on the waiting list; we e-mail you when a place frees up."),
    }
    return str(steps.get(registration.status, ""))
