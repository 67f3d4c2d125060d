"""What the people of an application hear by e-mail, and a member's request to the signatories.

- The confirmation (``conditions_complete``): once per application, when its conditions become
  complete; to the user who started it and the signatory of its declaration.
- A declaration recorded (``declaration_recorded``): once per declaration, when it does not
  complete the conditions (else the confirmation carries it).
  Both carry the declaration's text as signed, in the language it was signed in.
- A member who cannot sign asks the organisation's signatories (``signature_request_create``):
  at most once per application per day; one reminder per request after
  ``SIGNATURE_REMINDER_AFTER_DAYS`` while the declaration is still missing.

Every mail is queued in the recipient's language inside the caller's transaction (sent on commit
by the outbox) and carries a ``dedupe_key``, so a repeated call never sends it twice.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_event_record
from declarations.constants import Decision
from declarations.mail_secrets import code_secret, verify_link_secret
from declarations.subjects import text_as_signed
from notifications.services import email_queue
from organisations.constants import SIGNATURE_REMINDER_AFTER_DAYS
from organisations.policies import can, require
from organisations.selectors import signatories_active

from ..constants import FrameworkLevel
from ..exceptions import ConditionNotAsked, NoSignatory, SignatoryCanSign, SignatureAlreadyRequested, SignatureNotNeeded
from ..models import InstrumentApplication, SignatureRequest
from ..selectors import receipt_facts


def application_url(application: InstrumentApplication) -> str:
    return settings.PORTAL_BASE_URL + reverse("instruments:application", args=[application.pk])


def _recipients(application: InstrumentApplication, *users) -> list:
    """The user who started the application and the given users, once each, active accounts only."""
    found = {}
    for user in (application.created_by, *users):
        if user is not None and user.pk not in found and user.is_active:
            found[user.pk] = user
    return list(found.values())


def _mail(application: InstrumentApplication, template: str, recipients, *, dedupe: str, context=None) -> int:
    facts = receipt_facts(application.current_declaration)
    # The code and the link that carries it are filled in only as each e-mail is sent: never
    # stored in the outbox (docs/evidence.md); the placeholders replace them in the context.
    secret_context = None
    if facts["verification_code"]:
        declaration = facts["declaration"]
        secret_context = {"verification_code": code_secret(declaration), "verify_url": verify_link_secret(declaration)}
        facts = {**facts, "verification_code": "", "verify_url": ""}
    elif facts["verify_url"]:
        facts["verify_url"] = settings.PORTAL_BASE_URL + facts["verify_url"]
    queued = 0
    for user in recipients:
        message = email_queue(
            to=user.email,
            template=f"instruments/email/{template}",
            context={
                "user": user,
                "application": application,
                "instrument": application.instrument,
                "organisation": application.organisation,
                "application_url": application_url(application),
                **facts,
                **(context or {}),
            },
            language=user.language,
            kind=f"instrument_application.{template}",
            dedupe_key=f"{dedupe}:{user.pk}",
            secret_context=secret_context,
        )
        queued += message is not None
    return queued


def conditions_complete_mail(application: InstrumentApplication) -> int:
    """The confirmation that the application's conditions are complete: once per application."""
    declaration = application.current_declaration
    recipients = _recipients(application, declaration.user if declaration else None)
    return _mail(
        application,
        "conditions_complete",
        recipients,
        dedupe=f"instrument-complete:{application.pk}",
        context={"signed_text": text_as_signed(declaration) if declaration else ""},
    )


def declaration_recorded_mail(application: InstrumentApplication, declaration) -> int:
    """The signatory's answer was recorded for the application: once per declaration."""
    recipients = _recipients(application, declaration.user)
    return _mail(
        application,
        "declaration_recorded",
        recipients,
        dedupe=f"instrument-declaration:{declaration.pk}",
        context={"signed_text": text_as_signed(declaration)},
    )


def _signature_mail(signature_request: SignatureRequest, template: str, recipients) -> int:
    application = signature_request.application
    return _mail(
        application,
        template,
        recipients,
        dedupe=f"instrument-{template}:{signature_request.pk}",
        context={
            "requested_by": signature_request.requested_by,
            "sign_url": application_url(application) + "#sign",
        },
    )


def signature_request_create(*, application: InstrumentApplication, actor, request=None) -> SignatureRequest:
    """A member who is not an authorised signatory asks every active authorised signatory of the
    organisation (``organisations.selectors.signatories_active``) to sign the application's declaration.

    At most one request per application per day (Europe/Amsterdam; a unique constraint is the
    safety net): a second one raises ``SignatureAlreadyRequested`` and sends nothing. Refused when
    the level asks no declaration, when it is endorsed already, when the actor can sign, or when
    the organisation has no signatory. The signatories are e-mailed a link to the sign section
    (on commit); audited as ``instrument.signature_request``.
    """
    require(actor, "instrument.apply", application)
    if can(actor, "declaration.sign", application):
        raise SignatoryCanSign()
    with transaction.atomic():
        # Only the application row is locked: its starter and declaration are joined for the mail.
        application = (
            InstrumentApplication.objects.select_for_update(of=("self",))
            .select_related("instrument", "organisation", "created_by", "current_declaration")
            .get(pk=application.pk)
        )
        if application.level < FrameworkLevel.DECLARATION:
            raise ConditionNotAsked()
        declaration = application.current_declaration
        if declaration is not None and declaration.decision == Decision.ENDORSED:
            raise SignatureNotNeeded()
        today = timezone.localdate()
        if application.signature_requests.filter(requested_on=today).exists():
            raise SignatureAlreadyRequested()
        signatories = signatories_active(organisation_id=application.organisation_id)
        if not signatories:
            raise NoSignatory()
        try:
            with transaction.atomic():
                signature_request = SignatureRequest.objects.create(
                    application=application, requested_by=actor, requested_on=today
                )
        except IntegrityError:
            raise SignatureAlreadyRequested() from None
        signature_request.recipients.set(signatories)
        audit_event_record(
            action="instrument.signature_request",
            actor=actor,
            obj=application,
            organisation_id=application.organisation_id,
            request=request,
            details={"signature_request": signature_request.pk, "recipients": [u.pk for u in signatories]},
        )
        _signature_mail(signature_request, "signature_requested", signatories)
    return signature_request


def signature_reminders_send(*, now=None) -> int:
    """Beat: remind the signatories once about each request that has waited
    ``SIGNATURE_REMINDER_AFTER_DAYS`` (the same rule as for mission registrations) while the
    application still has no declaration. Returns how many e-mails were queued."""
    now = now or timezone.now()
    due = SignatureRequest.objects.filter(
        reminded_at__isnull=True,
        requested_at__lte=now - timedelta(days=SIGNATURE_REMINDER_AFTER_DAYS),
        application__current_declaration__isnull=True,
        application__level__gte=FrameworkLevel.DECLARATION,
    ).select_related("application__instrument", "application__organisation", "application__created_by", "requested_by")
    sent = 0
    for signature_request in due:
        with transaction.atomic():
            claimed = SignatureRequest.objects.filter(pk=signature_request.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed:
                signatories = signatories_active(organisation_id=signature_request.application.organisation_id)
                sent += _signature_mail(signature_request, "signature_reminder", signatories)
    return sent
