"""Everything the portal holds about one person: a copy for them, and erasure of their account.

``account_data_export`` collects the data (JSON and the readable page show the same dict).
``account_delete`` erases the personal data and keeps the organisation's data and the evidence:

- the personal data of every declaration the user made go through
  ``declaration_personal_data_erase`` (an appended, keyed erasure event; the chain still verifies);
- their participant entries, invitations and e-mail in the outbox are emptied;
- memberships and second-factor devices are removed;
- the personal part of every audit event about them (``audit.services.audit_personal_about``:
  their e-mail address, IP addresses, user agents, personal details) is erased at once; the
  append-only events stay and name them by the pseudonymous label ``user#<id>``, so the trail still
  says who did what without the erased name or address;
- the user row is kept (declarations and the append-only audit trail refer to it) but anonymised:
  e-mail ``deleted-<id>@deleted.invalid``, no name, no usable password, inactive, no groups; an
  inactive account gets no personal part in events written after (``audit_event_record``).

Rule: refused while the user is the only administrator of an organisation with registrations
that are still open (a colleague must take over first); staff and ministry accounts are closed
by the operators (policy ``account.delete``).
"""

from axes.models import AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from accounts.mfa import has_confirmed_device
from audit.models import AuditEvent
from audit.services import actor_label, audit_event_record, audit_personal_about, audit_personal_erase, personal_part
from core.tokens import StateTokenGenerator, TokenInvalid
from declarations.models import Declaration
from declarations.services import declaration_personal_data_erase
from declarations.subjects import subjects_of, undertaking_of
from instruments.models import InstrumentApplication
from missions.constants import ACTIVE_STATUSES, RegistrationStatus
from missions.models import Participant, Registration
from notifications.selectors import outbox_messages_to
from notifications.services import email_queue
from organisations.constants import MembershipRole
from organisations.models import Invitation, Membership
from organisations.policies import require

from .exceptions import DeletionLinkInvalid, LastAdminWithOpenRegistrations
from .retention import login_records_delete, outbox_personal_data_erase, participant_personal_data_erase

User = get_user_model()
DELETE_SALT = "privacy.account_delete"
ERASED_DOMAIN = "deleted.invalid"
OPEN_STATUSES = (RegistrationStatus.DRAFT, *ACTIVE_STATUSES)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def account_data_export(*, user) -> dict:
    """Everything the portal holds about ``user``, as plain data (JSON-serialisable)."""
    memberships = Membership.objects.filter(user=user).select_related("organisation").order_by("pk")
    declarations = list(Declaration.objects.filter(user=user).select_related("personal", "text").order_by("sequence"))
    subjects = subjects_of(declarations)
    applications = (
        InstrumentApplication.objects.filter(created_by=user)
        .select_related("instrument", "organisation")
        .order_by("pk")
    )
    registrations = (
        Registration.objects.filter(submitted_by=user).select_related("mission", "organisation").order_by("pk")
    )
    participants = Participant.objects.filter(email__iexact=user.email).select_related(
        "registration__mission", "registration__organisation"
    )
    about = audit_personal_about(user=user, email=user.email).values("event_id")
    events = (
        AuditEvent.objects.filter(Q(actor=user) | Q(pk__in=about))
        .select_related("personal")
        .order_by("created_at", "pk")
    )
    return {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "language": user.language,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "two_step_verification": has_confirmed_device(user),
            "groups": sorted(user.groups.values_list("name", flat=True)),
        },
        "memberships": [
            {
                "organisation": m.organisation.name,
                "kvk_number": m.organisation.kvk_number,
                "role": m.role,
                "authorised_signatory": m.is_authorised_signatory,
                "since": _iso(m.created_at),
            }
            for m in memberships
        ],
        "registrations_submitted": [
            {
                "mission": r.mission.slug,
                "organisation": r.organisation.name,
                "status": r.status,
                "submitted_at": _iso(r.submitted_at),
                "motivation": r.motivation,
                "withdrawal_reason": r.withdrawal_reason,
            }
            for r in registrations
        ],
        "participations": [
            {
                "mission": p.registration.mission.slug,
                "organisation": p.registration.organisation.name,
                "name": p.name,
                "email": p.email,
                "position": p.position,
            }
            for p in participants
        ],
        "applications_started": [
            {
                "instrument": a.instrument.code,
                "organisation": a.organisation.name,
                "reference": a.reference,
                "status": a.status,
                "started_at": _iso(a.created_at),
            }
            for a in applications
        ],
        "declarations": [
            {
                "sequence": d.sequence,
                "reference": d.reference,
                "subject_type": d.subject_type,
                "undertaking": undertaking_of(d, subjects.get((d.subject_type, d.subject_id))).code,
                "organisation": d.organisation_name,
                "decision": d.decision,
                "text_version": d.text_version,
                "signed_at": _iso(d.signed_at),
                "signatory_name": d.personal.signatory_name,
                "signatory_position": d.personal.signatory_position,
                "explanation": d.typed_explanation,
                "ip_address": d.personal.ip_address,
                "user_agent": d.personal.user_agent,
                "personal_data_erased_at": _iso(d.personal.erased_at),
            }
            for d in declarations
        ],
        "invitations": [
            {
                "organisation": i.organisation.name,
                "role": i.role,
                "invited_at": _iso(i.created_at),
                "accepted_at": _iso(i.accepted_at),
            }
            for i in Invitation.objects.filter(email__iexact=user.email).select_related("organisation")
        ],
        "emails": [
            {"subject": m.subject, "kind": m.kind, "status": m.status, "queued_at": _iso(m.created_at)}
            for m in outbox_messages_to(email=user.email).order_by("pk")
        ],
        "logins": [
            {
                "when": _iso(row.attempt_time),
                "logged_out": _iso(row.logout_time),
                "ip_address": row.ip_address,
                "user_agent": row.user_agent,
            }
            for row in AccessLog.objects.filter(username__iexact=user.email).order_by("attempt_time")
        ],
        "activity": [_activity(event, user) for event in events],
    }


def _activity(event, user) -> dict:
    """One audit event for the user's copy: the client data only of what they (or nobody logged
    in, such as a login attempt at their address) did, not those of staff acting on their account."""
    personal = personal_part(event)
    own = personal is not None and event.actor_id in (None, user.pk)
    details = event.details if isinstance(event.details, dict) else {"details": event.details}
    return {
        "when": _iso(event.created_at),
        "action": event.action,
        "object": f"{event.object_type}#{event.object_id}" if event.object_type else "",
        "ip_address": personal.ip_address if own else None,
        "user_agent": personal.user_agent if own else "",
        "details": {**details, **(personal.details if own else {})},
        "personal_data_erased_at": _iso(personal.erased_at) if personal is not None else None,
    }


def account_delete_blocker(*, user) -> str | None:
    """Why ``user`` may not delete their account now (a translated message), or None."""
    for membership in Membership.objects.filter(user=user, role=MembershipRole.ADMIN).select_related("organisation"):
        organisation = membership.organisation
        other_admins = Membership.objects.filter(organisation=organisation, role=MembershipRole.ADMIN).exclude(
            user=user
        )
        if other_admins.filter(user__is_active=True).exists():
            continue
        if Registration.objects.filter(organisation=organisation, status__in=OPEN_STATUSES).exists():
            return str(LastAdminWithOpenRegistrations.message) % {"organisation": organisation.name}
    return None


def _delete_state(user) -> str:
    """What a deletion link may act on: it changes when the account is erased (the link was used)
    or its address, password or activity changes."""
    return f"{user.pk}|{user.email}|{user.password}|{user.is_active}"


deletion_tokens = StateTokenGenerator(
    salt=DELETE_SALT, state=_delete_state, max_age_setting="ACCOUNT_DELETE_LINK_MAX_AGE"
)


def account_delete_request(*, user, request=None) -> None:
    """After the password (and second factor) were checked: mail a link that confirms the deletion.

    The link is signed, expires after ``ACCOUNT_DELETE_LINK_MAX_AGE`` and stops working once the
    account changes (it is erased from the outbox once sent). Audited as ``account.delete_requested``.
    """
    require(user, "account.delete")
    blocker = account_delete_blocker(user=user)
    if blocker:
        raise LastAdminWithOpenRegistrations(blocker)
    token = deletion_tokens.make_token(user)
    with transaction.atomic():
        email_queue(
            to=user.email,
            template="privacy/email/delete_confirm",
            context={
                "user": user,
                "confirm_url": settings.PORTAL_BASE_URL + reverse("privacy:delete_confirm", args=[token]),
                "hours": settings.ACCOUNT_DELETE_LINK_MAX_AGE // 3600,
            },
            language=user.language,
            kind="account_delete_confirm",
            contains_secret=True,
        )
        audit_event_record(action="account.delete_requested", actor=user, obj=user, request=request)


def account_delete_link_check(*, token: str, user) -> None:
    """Raise ``DeletionLinkInvalid`` unless ``token`` is a live deletion link of ``user``."""
    try:
        deletion_tokens.check_token(token, load=lambda pk: user if pk == user.pk else None)
    except TokenInvalid as exc:
        raise DeletionLinkInvalid() from exc


def account_delete(*, user, token: str, request=None) -> dict[str, int]:
    """Erase the account of ``user`` (see the module docstring). Returns what was erased, per kind."""
    require(user, "account.delete")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        account_delete_link_check(token=token, user=user)
        blocker = account_delete_blocker(user=user)
        if blocker:
            raise LastAdminWithOpenRegistrations(blocker)
        email = user.email
        counts = {
            "declarations": sum(
                declaration_personal_data_erase(declaration=d)
                for d in Declaration.objects.filter(user=user, personal__erased_at__isnull=True).order_by("sequence")
            ),
            "participations": participant_personal_data_erase(
                participants=Participant.objects.filter(email__iexact=email)
            ),
            "invitations": Invitation.objects.filter(email__iexact=email).update(email=""),
            "emails": outbox_personal_data_erase(messages=outbox_messages_to(email=email)),
            "memberships": Membership.objects.filter(user=user).delete()[0],
            "login_records": login_records_delete(username=email),
            "audit_personal": audit_personal_erase(rows=audit_personal_about(user=user, email=email)),
        }
        # Unsent mail to the address is not sent any more.
        outbox_messages_to(email=email).update(
            to=[], body_text="", body_html="", attachments=[], status="failed", next_attempt_at=None
        )
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.models import RecoveryCodeDevice

        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        user.groups.clear()
        user.email = f"deleted-{user.pk}@{ERASED_DOMAIN}"
        user.full_name = ""
        user.is_active = False
        user.is_staff = False
        user.email_confirmed_at = None
        user.set_unusable_password()
        user.save()
        # Without the request: the client's IP address and browser are what was just erased.
        audit_event_record(action="account.delete", obj=user, details={"actor": actor_label(user), **counts})
    return counts
