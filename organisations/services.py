"""Organisation writes. Every change is one transaction with an audit record."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identity import normalise_email
from accounts.models import User
from audit.services import actor_label, audit_event_record, changes_apply
from core.tokens import stored_token_digest, stored_token_new
from notifications.services import email_queue

from .constants import (
    ACTIVE_ORGANISATION_SESSION_KEY,
    INVITATION_VALID_DAYS,
    VERIFICATION_REASON_MAX_LENGTH,
    MembershipRole,
    OrganisationVerification,
)
from .exceptions import (
    InvitationInvalid,
    InvitationWrongAccount,
    LastAdministrator,
    OrganisationAlreadyVerified,
    OrganisationExists,
    VerificationReasonInvalid,
)
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

    Created from an eHerkenning login (``source="eherkenning"``: the KvK number came from the
    broker) it is verified at once; created with a password account it is unverified and cannot
    sign until an eHerkenning login for its KvK number or RVO staff verify it
    (``organisation_verify``, ``membership_link``).

    Raises OrganisationExists when the KvK number is taken (without saying by whom).
    """
    require(actor, "portal.use")
    if Organisation.objects.filter(kvk_number=data.get("kvk_number")).exists():
        raise OrganisationExists()
    try:
        with transaction.atomic():
            organisation = Organisation(**{k: v for k, v in data.items() if k in PROFILE_FIELDS})
            if source == OrganisationVerification.EHERKENNING:
                organisation.verification = OrganisationVerification.EHERKENNING
                organisation.verified_at = timezone.now()
                organisation.verified_by = actor
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
                details={
                    "kvk_number": organisation.kvk_number,
                    "name": organisation.name,
                    "source": source,
                    "verification": organisation.verification,
                },
            )
    except IntegrityError:
        raise OrganisationExists() from None
    if request is not None:
        request.session[ACTIVE_ORGANISATION_SESSION_KEY] = organisation.pk
    return organisation


def organisation_update(*, actor, organisation: Organisation, data: dict, request=None) -> Organisation:
    """Change the profile; only the organisation's admins may (``organisation.edit``).

    A new KvK number is not the one that was proven: the organisation becomes unverified again.
    """
    require(actor, "organisation.edit", organisation)
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        changed = changes_apply(obj=organisation, data=data, fields=PROFILE_FIELDS)
        if (
            "kvk_number" in changed
            and Organisation.objects.filter(kvk_number=organisation.kvk_number).exclude(pk=organisation.pk).exists()
        ):
            raise OrganisationExists()
        if "kvk_number" in changed and organisation.is_verified:
            changed["verification"] = [organisation.verification, OrganisationVerification.UNVERIFIED.value]
            organisation.verification = OrganisationVerification.UNVERIFIED
            organisation.verified_at = None
            organisation.verified_by = None
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

    An eHerkenning login for an *unverified* organisation (one typed in by a password account)
    proves the KvK number instead: ``_eherkenning_takeover``.
    """
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        membership = Membership.objects.filter(user=user, organisation=organisation).first()
        if source == OrganisationVerification.EHERKENNING and not organisation.is_verified:
            return _eherkenning_takeover(organisation=organisation, user=user, membership=membership, request=request)
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


def _eherkenning_takeover(
    *, organisation: Organisation, user, membership: Membership | None, request=None
) -> tuple[Membership, bool]:
    """The first eHerkenning login for an unverified organisation's KvK number. Runs inside
    ``membership_link``'s transaction, the organisation locked.

    The broker vouches that ``user`` acts for the legal subject with this KvK number, which nobody
    here had proven before. So, in one transaction:

    - the organisation becomes verified (by eHerkenning, by ``user``, now): ``organisation.verify``;
    - ``user`` becomes its administrator (no standing signatory flag: that authority comes from
      the broker per session): ``membership.link`` or ``membership.update``;
    - every earlier administrator becomes a member and every standing signatory flag is dropped,
      since they were given by people whose claim to the KvK number was never proven; each of them
      is told by e-mail in their language (``organisations/email/kvk_takeover``) and audited
      (``membership.demote``); the new administrator may appoint them again;
    - open invitations (sent under the unproven administration, possibly as admin) are withdrawn.
    """
    now = timezone.now()
    created = membership is None
    if created:
        membership = Membership(user=user, organisation=organisation)
    before = {"role": membership.role, "is_authorised_signatory": membership.is_authorised_signatory}
    membership.role = MembershipRole.ADMIN
    membership.is_authorised_signatory = False
    membership.full_clean(validate_unique=False)
    membership.save()
    audit_event_record(
        action="membership.link" if created else "membership.update",
        actor=user,
        obj=membership,
        organisation_id=organisation.pk,
        request=request,
        details={
            "source": OrganisationVerification.EHERKENNING.value,
            "role": membership.role,
            "kvk_number": organisation.kvk_number,
            **({} if created else {"before": before}),
        },
    )
    demoted = []
    earlier = (
        Membership.objects.select_for_update(of=("self",))
        .filter(organisation=organisation)
        .exclude(pk=membership.pk)
        .filter(models.Q(role=MembershipRole.ADMIN) | models.Q(is_authorised_signatory=True))
        .select_related("user")
        .order_by("pk")
    )
    for other in earlier:
        was = {"role": other.role, "is_authorised_signatory": other.is_authorised_signatory}
        other.role = MembershipRole.MEMBER
        other.is_authorised_signatory = False
        other.save(update_fields=["role", "is_authorised_signatory"])
        audit_event_record(
            action="membership.demote",
            actor=user,
            obj=other,
            organisation_id=organisation.pk,
            request=request,
            details={
                "reason": "kvk_verified_by_eherkenning",
                "before": was,
                "after": {"role": other.role, "is_authorised_signatory": False},
                "user": actor_label(other.user),
            },
        )
        if other.user.is_active:
            email_queue(
                to=other.user.email,
                template="organisations/email/kvk_takeover",
                context={"organisation": organisation, "user": other.user, "was": was},
                language=other.user.language,
                kind="kvk_takeover",
            )
        demoted.append(actor_label(other.user))
    withdrawn = Invitation.objects.filter(organisation=organisation, accepted_at=None, revoked_at=None).update(
        revoked_at=now
    )
    _verified(
        organisation,
        method=OrganisationVerification.EHERKENNING,
        by=user,
        at=now,
        request=request,
        demoted=demoted,
        invitations_withdrawn=withdrawn,
    )
    return membership, created


def _verified(organisation: Organisation, *, method, by, at, request, **details) -> None:
    """Mark ``organisation`` verified (by eHerkenning or by staff) and record it as
    ``organisation.verify``; inside the caller's transaction, with the row locked."""
    organisation.verification = method
    organisation.verified_at = at
    organisation.verified_by = by
    organisation.save(update_fields=["verification", "verified_at", "verified_by", "updated_at"])
    audit_event_record(
        action="organisation.verify",
        actor=by,
        obj=organisation,
        request=request,
        details={"method": method.value, "kvk_number": organisation.kvk_number, **details},
    )


def organisation_verify(*, actor, organisation: Organisation, reason: str, request=None) -> Organisation:
    """RVO staff confirm that the organisation's KvK number belongs to the people who run it here
    (checked outside the portal, e.g. against a KvK extract); from then on it can sign.

    Only RVO staff may (``organisation.verify``); the reason is required (at most
    ``VERIFICATION_REASON_MAX_LENGTH`` characters, never cut) and kept in the audit trail
    (``organisation.verify``, method ``staff``). Raises ``OrganisationAlreadyVerified`` when it
    is verified already (by eHerkenning or staff); memberships are not changed.
    """
    require(actor, "organisation.verify", organisation)
    reason = (reason or "").strip()
    if not reason:
        raise VerificationReasonInvalid()
    if len(reason) > VERIFICATION_REASON_MAX_LENGTH:
        raise VerificationReasonInvalid(
            _("The reason can be at most %(limit)s characters long; it has %(count)s.")
            % {"limit": VERIFICATION_REASON_MAX_LENGTH, "count": len(reason)}
        )
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.is_verified:
            raise OrganisationAlreadyVerified()
        _verified(
            organisation,
            method=OrganisationVerification.STAFF,
            by=actor,
            at=timezone.now(),
            request=request,
            reason_text=reason,  # typed text: the erasable personal part, as every typed reason (issue 23)
        )
    return organisation


def organisation_set_active(*, request, organisation_id: int) -> Membership:
    membership = membership_get(user=request.user, organisation_id=organisation_id)
    request.session[ACTIVE_ORGANISATION_SESSION_KEY] = membership.organisation_id
    return membership


def invitation_create(
    *, actor, organisation: Organisation, email: str, role: str, is_authorised_signatory: bool, request=None
) -> Invitation:
    require(actor, "membership.manage", organisation)
    email = normalise_email(email)
    token, token_sha256 = stored_token_new()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            is_authorised_signatory=is_authorised_signatory,
            token_sha256=token_sha256,
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
                "accept_url": settings.PORTAL_BASE_URL + reverse("organisations:invitation_accept", args=[token]),
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
    return _invitation_usable(
        Invitation.objects.select_related("organisation").filter(token_sha256=stored_token_digest(token)).first()
    )


def invitation_accept(*, user, token: str, request=None) -> Membership:
    """Join the organisation with an invitation; each invitation link works once, until it expires."""
    with transaction.atomic():
        invitation = _invitation_usable(
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .filter(token_sha256=stored_token_digest(token))
            .first()
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
