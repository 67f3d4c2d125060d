"""Organisation writes. Every change is one transaction with an audit record."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identity import normalise_email
from accounts.models import User
from audit.services import actor_label, audit_event_record, changes_apply
from notifications.services import email_queue

from .constants import ACTIVE_ORGANISATION_SESSION_KEY, INVITATION_VALID_DAYS, MembershipRole
from .exceptions import InvitationInvalid, InvitationWrongAccount, LastAdministrator, OrganisationExists
from .models import Invitation, Membership, Organisation
from .policies import require
from .selectors import membership_get

PROFILE_FIELDS = [
    "name",
    "kvk_number",
    "kind",
    "sector",
    "city",
    "website",
    "employees",
    "annual_turnover_eur",
    "balance_sheet_total_eur",
    "figures_year",
]


def organisation_create(
    *, actor, data: dict, request=None, authorised_signatory: bool = True, source: str = "form"
) -> Organisation:
    """Create an organisation; its creator becomes administrator and (unless
    ``authorised_signatory`` is False: an eHerkenning login, whose authority to sign comes from the
    broker per session) authorised signatory.

    Raises OrganisationExists when the KvK number is taken (without saying by whom).
    """
    if Organisation.objects.filter(kvk_number=data.get("kvk_number")).exists():
        raise OrganisationExists()
    try:
        with transaction.atomic():
            organisation = Organisation(**{k: v for k, v in data.items() if k in PROFILE_FIELDS})
            organisation.full_clean(validate_unique=False)
            organisation.save()
            Membership.objects.create(
                user=actor,
                organisation=organisation,
                role=MembershipRole.ADMIN,
                is_authorised_signatory=authorised_signatory,
            )
            audit_event_record(
                action="organisation.create",
                actor=actor,
                obj=organisation,
                request=request,
                details={"kvk_number": organisation.kvk_number, "name": organisation.name, "source": source},
            )
    except IntegrityError:
        raise OrganisationExists() from None
    if request is not None:
        request.session[ACTIVE_ORGANISATION_SESSION_KEY] = organisation.pk
    return organisation


def organisation_update(*, actor, organisation: Organisation, data: dict, request=None) -> Organisation:
    """Change the profile; only the organisation's admins may (``organisation.edit``)."""
    require(actor, "organisation.edit", organisation)
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        changed = changes_apply(obj=organisation, data=data, fields=PROFILE_FIELDS)
        if (
            "kvk_number" in changed
            and Organisation.objects.filter(kvk_number=organisation.kvk_number).exclude(pk=organisation.pk).exists()
        ):
            raise OrganisationExists()
        organisation.full_clean()
        organisation.save()
        audit_event_record(
            action="organisation.update", actor=actor, obj=organisation, request=request, details={"changed": changed}
        )
    return organisation


def membership_link(*, user, organisation: Organisation, source: str, request=None) -> tuple[Membership, bool]:
    """Make ``user`` a member of ``organisation`` because an identity provider said they act for
    it (an eHerkenning login with its KvK number). Returns (membership, created).

    The first such user of an organisation without an administrator becomes its administrator;
    later ones are members. Never grants a standing signatory flag. Audited (``membership.link``)
    when a membership is made.
    """
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        membership = Membership.objects.filter(user=user, organisation=organisation).first()
        if membership is not None:
            return membership, False
        has_admin = Membership.objects.filter(organisation=organisation, role=MembershipRole.ADMIN).exists()
        membership = Membership(
            user=user, organisation=organisation, role=MembershipRole.MEMBER if has_admin else MembershipRole.ADMIN
        )
        membership.full_clean(validate_unique=False)
        membership.save()
        audit_event_record(
            action="membership.link",
            actor=user,
            obj=membership,
            organisation_id=organisation.pk,
            request=request,
            details={"source": source, "role": membership.role, "kvk_number": organisation.kvk_number},
        )
    return membership, True


def organisation_set_active(*, request, organisation_id: int) -> Membership:
    membership = membership_get(user=request.user, organisation_id=organisation_id)
    request.session[ACTIVE_ORGANISATION_SESSION_KEY] = membership.organisation_id
    return membership


def invitation_create(
    *, actor, organisation: Organisation, email: str, role: str, is_authorised_signatory: bool, request=None
) -> Invitation:
    require(actor, "membership.manage", organisation)
    email = normalise_email(email)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            is_authorised_signatory=is_authorised_signatory,
            token=secrets.token_urlsafe(32),
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=INVITATION_VALID_DAYS),
        )
        existing = User.objects.filter(email__iexact=email).only("language").first()
        email_queue(
            to=email,
            template="organisations/email/invitation",
            context={
                "organisation": organisation,
                "inviter": actor,
                "accept_url": settings.PORTAL_BASE_URL
                + reverse("organisations:invitation_accept", args=[invitation.token]),
                "days": INVITATION_VALID_DAYS,
            },
            language=existing.language if existing else (getattr(request, "LANGUAGE_CODE", None) or "nl"),
            kind="invitation",
            contains_secret=True,
        )
        audit_event_record(
            action="membership.invite",
            actor=actor,
            obj=invitation,
            organisation_id=organisation.pk,
            request=request,
            # The address stays in the (erasable) invitation row, not in the append-only trail.
            details={"role": role, "is_authorised_signatory": is_authorised_signatory},
        )
    return invitation


def _invitation_usable(invitation: Invitation | None) -> Invitation:
    """The invitation if its link still works (unused, not withdrawn, not expired); else why not."""
    if invitation is None:
        raise InvitationInvalid()
    if invitation.accepted_at:
        raise InvitationInvalid(_("This invitation has already been used. A link works once; log in to continue."))
    if invitation.revoked_at:
        raise InvitationInvalid(_("This invitation was withdrawn. Ask the organisation for a new one."))
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(_("This invitation has expired. Ask the organisation for a new one."))
    return invitation


def invitation_check(*, token: str) -> Invitation:
    """The invitation a link names, if it still works; raises ``InvitationInvalid`` saying why not."""
    return _invitation_usable(Invitation.objects.select_related("organisation").filter(token=token).first())


def invitation_accept(*, user, token: str, request=None) -> Membership:
    """Join the organisation with an invitation; each invitation link works once, until it expires."""
    with transaction.atomic():
        invitation = _invitation_usable(
            Invitation.objects.select_for_update().select_related("organisation").filter(token=token).first()
        )
        if normalise_email(invitation.email) != normalise_email(user.email):
            raise InvitationWrongAccount()
        membership, created = Membership.objects.get_or_create(
            user=user,
            organisation=invitation.organisation,
            defaults={"role": invitation.role, "is_authorised_signatory": invitation.is_authorised_signatory},
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit_event_record(
            action="membership.join",
            actor=user,
            obj=membership,
            organisation_id=invitation.organisation_id,
            request=request,
            details={"invitation": invitation.pk, "new": created},
        )
    if request is not None:
        request.session[ACTIVE_ORGANISATION_SESSION_KEY] = membership.organisation_id
    return membership


def _ensure_admin_remains(organisation_id: int, excluding_membership_id: int) -> None:
    admins = Membership.objects.filter(organisation_id=organisation_id, role=MembershipRole.ADMIN).exclude(
        pk=excluding_membership_id
    )
    if not admins.exists():
        raise LastAdministrator()


def membership_update(
    *, actor, membership: Membership, role: str, is_authorised_signatory: bool, request=None
) -> Membership:
    """Change a member's role or signing authority; only the organisation's admins may, and one admin remains."""
    require(actor, "membership.manage", membership)
    with transaction.atomic():
        # Lock every membership of the organisation so two admins cannot demote each other at once.
        list(Membership.objects.select_for_update().filter(organisation_id=membership.organisation_id))
        membership.refresh_from_db()
        if membership.role == MembershipRole.ADMIN and role != MembershipRole.ADMIN:
            _ensure_admin_remains(membership.organisation_id, membership.pk)
        before = {"role": membership.role, "is_authorised_signatory": membership.is_authorised_signatory}
        membership.role = role
        membership.is_authorised_signatory = is_authorised_signatory
        membership.full_clean()
        membership.save(update_fields=["role", "is_authorised_signatory"])
        audit_event_record(
            action="membership.update",
            actor=actor,
            obj=membership,
            request=request,
            details={
                "before": before,
                "after": {"role": role, "is_authorised_signatory": is_authorised_signatory},
                "user": actor_label(membership.user),
            },
        )
    return membership


def membership_remove(*, actor, membership: Membership, request=None) -> None:
    """Remove a member; only the organisation's admins may, and the last admin cannot be removed."""
    require(actor, "membership.manage", membership)
    with transaction.atomic():
        list(Membership.objects.select_for_update().filter(organisation_id=membership.organisation_id))
        membership.refresh_from_db()
        if membership.role == MembershipRole.ADMIN:
            _ensure_admin_remains(membership.organisation_id, membership.pk)
        audit_event_record(
            action="membership.remove",
            actor=actor,
            obj=membership,
            request=request,
            details={"user": actor_label(membership.user)},
        )
        membership.delete()
