"""Applications for an instrument: the IMVO conditions of its level, fulfilled online.

No knock-out: nothing here ever refuses or rejects an application. An answer that falls short
(a declined declaration, a self-assessment with gaps, level 4's improvement plan) leads to
guidance and a recorded follow-up by RVO (``FrameworkFollowUp``); the application stays.

Which level asks which condition is ``instruments.conditions``; which action may start from which
status, and the status rule, are ``instruments.lifecycle``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from core.canonical import canonical_sha256
from declarations.constants import Decision
from declarations.services import DeclarationInput, declaration_sign
from organisations.policies import require

from ..conditions import application_facts, asks, conditions_asked, conditions_met
from ..constants import ApplicationStatus
from ..exceptions import ConditionNotAsked
from ..lifecycle import application_status, application_transition_check
from ..models import FrameworkFollowUp, Instrument, InstrumentApplication, SelfAssessment
from .notices import conditions_complete_mail, declaration_recorded_mail

#: The level-3 self-assessment: short, one answer (yes / partly / not yet) per due-diligence step.
SELF_ASSESSMENT_QUESTIONS = (
    "policy",
    "risks",
    "measures",
    "monitoring",
    "communication",
)


def _follow_up(
    application: InstrumentApplication, *, reason: str, guidance: str, actor, request=None
) -> FrameworkFollowUp:
    follow_up = FrameworkFollowUp.objects.create(application=application, reason=reason[:200], guidance=guidance)
    audit_event_record(
        action="instrument.follow_up",
        actor=actor,
        obj=follow_up,
        organisation_id=application.organisation_id,
        request=request,
        details={"application": application.pk, "reason": reason[:200]},
    )
    return follow_up


def _status(application: InstrumentApplication) -> str:
    """The status by the lifecycle's one rule (``instruments.lifecycle.application_status``), from the
    facts rather than the stored column, so a transition is checked against what is true now."""
    return application_status(application.level, application_facts(application))


def application_conditions_met(application: InstrumentApplication) -> bool:
    """Whether every condition the application's level asks is met (``instruments.conditions``)."""
    return conditions_met(application.level, application_facts(application))


def _refresh_status(application: InstrumentApplication) -> None:
    status = _status(application)
    if application.status != status:
        application.status = status
        application.save(update_fields=["status"])


def application_progress_notify(application: InstrumentApplication, *, declaration=None) -> int:
    """After a change by the applicant: the confirmation once the conditions are complete (once per
    application), else the recorded declaration (once per declaration). Level 0 asks nothing: no mail.
    Inside the change's transaction; the outbox sends on commit."""
    if not conditions_asked(application.level):
        return 0
    if application_conditions_met(application):
        return conditions_complete_mail(application)
    if declaration is not None:
        return declaration_recorded_mail(application, declaration)
    return 0


def application_start(
    *, instrument: Instrument, organisation, reference: str, actor, brochure_version: str = "", request=None
) -> InstrumentApplication:
    """Start (or find again) the organisation's application ``reference`` for the instrument.

    Any member of the organisation may; the level in force today is recorded and stays for this
    application. Level 4 opens a follow-up: the improvement plan is agreed with RVO. Audited.
    Idempotent for the same reference.
    """
    require(actor, "instrument.apply", organisation)
    reference = " ".join(reference.split())[:40]
    with transaction.atomic():
        application, created = InstrumentApplication.objects.get_or_create(
            instrument=instrument,
            organisation=organisation,
            reference=reference,
            defaults={"level": instrument.level_now, "created_by": actor, "imvo_brochure_version": brochure_version},
        )
        if not created:
            return application
        application.full_clean()
        audit_event_record(
            action="instrument.application_start",
            actor=actor,
            obj=application,
            organisation_id=organisation.pk,
            request=request,
            details={"instrument": instrument.code, "reference": reference, "level": application.level},
        )
        if asks(application.level, "improvement_plan"):
            _follow_up(
                application,
                reason=_("Improvement plan to agree with RVO"),
                guidance=_(
                    "An RVO adviser contacts you to agree an improvement plan on the risks found in your "
                    "due diligence. Your application continues meanwhile."
                ),
                actor=actor,
                request=request,
            )
        _refresh_status(application)
    return application


def _locked(application: InstrumentApplication) -> InstrumentApplication:
    return (
        InstrumentApplication.objects.select_for_update()
        .select_related("instrument", "organisation")
        .get(pk=application.pk)
    )


def _require_asked(application: InstrumentApplication, condition: str) -> None:
    if not asks(application.level, condition):
        raise ConditionNotAsked()


def application_confirm_read(*, application: InstrumentApplication, actor, brochure_version: str = "", request=None):
    """Record that the applicant confirms having read the IMVO information (``confirm_read`` in
    ``instruments.lifecycle``), if the level asks for it. Idempotent; audited."""
    require(actor, "instrument.apply", application)
    with transaction.atomic():
        application = _locked(application)
        _require_asked(application, "read")
        if application.read_confirmed_at is None:
            application_transition_check("confirm_read", _status(application))
            application.read_confirmed_at = timezone.now()
            application.read_confirmed_by = actor
            if brochure_version:
                application.imvo_brochure_version = brochure_version
            application.save(update_fields=["read_confirmed_at", "read_confirmed_by", "imvo_brochure_version"])
            audit_event_record(
                action="instrument.read_confirm",
                actor=actor,
                obj=application,
                organisation_id=application.organisation_id,
                request=request,
                details={"brochure_version": application.imvo_brochure_version},
            )
        _refresh_status(application)
        application_progress_notify(application)
    return application


def application_declaration_sign(
    *, application: InstrumentApplication, actor, answer: DeclarationInput, request=None
) -> InstrumentApplication:
    """The organisation's authorised signatory signs (or declines) the OECD declaration (``sign``),
    if the level asks for it and the conditions are not fulfilled yet.

    The same evidence chain and receipt as for missions (``declarations.services.declaration_record``),
    with the instrument, the application reference and the level in the hashed record. An
    endorsement of the same text by the same organisation within ``DECLARATION_REUSE_DAYS`` may be
    re-used (``answer.reused_from_id``). Declining is recorded and leads to guidance and a
    follow-up, never to a rejection.
    """
    require(actor, "declaration.sign", application)
    answer.validate()
    with transaction.atomic():
        application = _locked(application)
        _require_asked(application, "declaration")
        current = application.current_declaration
        other_text = current is not None and current.signed_with_other_kind_of_text
        status = _status(application)
        complete_on_other_text = other_text and status == ApplicationStatus.COMPLETE
        application_transition_check("sign_right_text" if complete_on_other_text else "sign", status)
        declaration = declaration_sign(answer=answer, subject=application, actor=actor, request=request)
        if answer.decision == Decision.NOT_ENDORSED:
            _follow_up(
                application,
                reason=_("Declaration not endorsed"),
                guidance=_(
                    "Your application is not affected. An RVO adviser contacts you about your explanation and "
                    "about help with the OECD Guidelines (the MVO Risico Checker, the National Contact Point)."
                ),
                actor=actor,
                request=request,
            )
        _refresh_status(application)
        application_progress_notify(application, declaration=declaration)
    return application


def self_assessment_falls_short(answers: dict) -> bool:
    return any(answers.get(q) != "yes" for q in SELF_ASSESSMENT_QUESTIONS)


def application_self_assessment_submit(
    *, application: InstrumentApplication, actor, answers: dict, request=None
) -> SelfAssessment:
    """Keep the due-diligence self-assessment as evidence, its SHA-256 in the audit (``self_assess``),
    if the level asks for it and the conditions are not fulfilled yet.

    Any step answered "partly" or "not yet" leads to guidance and a follow-up, never to rejection.
    """
    require(actor, "instrument.apply", application)
    answers = {
        **{q: str(answers.get(q, "")) for q in SELF_ASSESSMENT_QUESTIONS},
        "notes": str(answers.get("notes", ""))[:2000],
    }
    with transaction.atomic():
        application = _locked(application)
        _require_asked(application, "self_assessment")
        application_transition_check("self_assess", _status(application))
        digest = canonical_sha256(answers, compact=False)
        short = self_assessment_falls_short(answers)
        assessment = SelfAssessment.objects.create(
            application=application, answers=answers, sha256=digest, falls_short=short, submitted_by=actor
        )
        audit_event_record(
            action="instrument.self_assessment",
            actor=actor,
            obj=assessment,
            organisation_id=application.organisation_id,
            request=request,
            details={"application": application.pk, "sha256": digest, "falls_short": short},
        )
        if short:
            _follow_up(
                application,
                reason=_("Self-assessment shows steps still to take"),
                guidance=_(
                    "Your application is not affected. RVO sends you guidance on the due-diligence steps you "
                    "answered with 'partly' or 'not yet', and an adviser follows up."
                ),
                actor=actor,
                request=request,
            )
        _refresh_status(application)
        application_progress_notify(application)
    return assessment


def follow_up_resolve(*, follow_up: FrameworkFollowUp, actor, request=None) -> FrameworkFollowUp:
    """RVO staff mark a follow-up as done (guidance given, plan agreed; ``resolve_follow_up``).
    Idempotent; audited."""
    require(actor, "instrument.manage")
    with transaction.atomic():
        application = _locked(follow_up.application)  # the application first, as every other write here
        follow_up = FrameworkFollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.resolved_at is None:
            application_transition_check("resolve_follow_up", _status(application))
            follow_up.resolved_at = timezone.now()
            follow_up.save(update_fields=["resolved_at"])
            audit_event_record(
                action="instrument.follow_up_resolve",
                actor=actor,
                obj=follow_up,
                request=request,
                details={"application": follow_up.application_id},
            )
        _refresh_status(application)
    return follow_up
