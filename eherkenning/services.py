"""eHerkenning logins: the person (by the broker's pseudonym) and the organisation (by KvK number).

``eherkenning_user_resolve`` finds or creates the user linked to (issuer, sub) and is called before
Django's ``login()``; ``eherkenning_organisation_link`` runs after it (``login()`` may start a new
session) and links the organisation of the KvK number, or parks the login until the person has
registered the organisation (``eherkenning_organisation_create``, KvK number fixed). Every login,
refusal and link is a security event (JSON log ``imvo.security`` and audit trail).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identity import normalise_email
from accounts.models import User
from accounts.security_log import security_event
from audit.services import audit_event_record
from organisations.authority import session_authority_grant
from organisations.constants import ACTIVE_ORGANISATION_SESSION_KEY
from organisations.exceptions import OrganisationExists
from organisations.models import Organisation
from organisations.services import membership_link, organisation_create

from .claims import EHerkenningLogin, LoginRefused
from .models import OIDCIdentity

#: A login whose KvK number has no organisation yet, waiting for the organisation form.
PENDING_SESSION_KEY = "_eherkenning_pending"
SOURCE = "eherkenning"


def _placeholder_email(login: EHerkenningLogin) -> str:
    # A reserved, undeliverable domain (RFC 2606): the account exists, but no mail is sent to a guess.
    digest = hashlib.sha256(f"{login.issuer}|{login.subject}".encode()).hexdigest()[:24]
    return f"eh-{digest}@eherkenning.invalid"


def eherkenning_user_resolve(*, login: EHerkenningLogin, request=None) -> tuple[User, bool]:
    """The user linked to the login's (issuer, sub); a new account on the first login.

    Matches on the pseudonym only, never on the e-mail address: the claimed address is stored only
    when no other account uses it. The new account has no usable password. Raises
    ``LoginRefused`` for a deactivated account. Audited: ``auth.oidc_link`` for a new link.
    """
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                identity = (
                    OIDCIdentity.objects.select_for_update()
                    .select_related("user")
                    .filter(issuer=login.issuer, subject=login.subject)
                    .first()
                )
                if identity is not None:
                    if not identity.user.is_active:
                        raise LoginRefused("inactive", _("This account has been deactivated. Contact the IMVO desk."))
                    identity.last_login_at = now
                    identity.save(update_fields=["last_login_at"])
                    return identity.user, False
                email = normalise_email(login.email)
                if not email or User.objects.filter(email=email).exists():
                    email = _placeholder_email(login)
                user = User.objects.create_user(
                    email=email, password=None, full_name=login.name or _("eHerkenning user")
                )
                OIDCIdentity.objects.create(user=user, issuer=login.issuer, subject=login.subject, last_login_at=now)
                security_event(
                    "auth.oidc_link",
                    request=request,
                    user=user,
                    source=SOURCE,
                    issuer=login.issuer,
                    kvk_number=login.kvk_number,
                    assurance=login.assurance,
                )
                return user, True
        except IntegrityError:
            continue  # a parallel first login of the same person linked it: read theirs
    raise LoginRefused("link_conflict")


def _grant(request, organisation: Organisation, login: dict) -> None:
    """The broker's authorisation (machtiging) as signing authority for this session; audited."""
    if login["authorised_to_sign"]:
        session_authority_grant(
            request, organisation_id=organisation.pk, source=SOURCE, level=login["assurance"], at=login["at"]
        )
        audit_event_record(
            action="authority.session_grant",
            actor=request.user,
            obj=organisation,
            organisation_id=organisation.pk,
            request=request,
            details={"source": SOURCE, "assurance": login["assurance"], "kvk_number": organisation.kvk_number},
        )
    request.session[ACTIVE_ORGANISATION_SESSION_KEY] = organisation.pk


def _login_data(login: EHerkenningLogin) -> dict:
    return {
        "kvk_number": login.kvk_number,
        "branch": login.branch,
        "assurance": login.assurance,
        "authorised_to_sign": login.authorised_to_sign,
        "at": timezone.now(),
    }


def eherkenning_organisation_link(*, login: EHerkenningLogin, request) -> Organisation | None:
    """After login: link the signed-in user to the organisation of the KvK number and, when the
    broker says so, grant the authority to sign for this session. Returns None when no
    organisation has the KvK number yet (the login is parked for the organisation form)."""
    data = _login_data(login)
    organisation = Organisation.objects.filter(kvk_number=login.kvk_number).first()
    if organisation is None:
        request.session[PENDING_SESSION_KEY] = {**data, "user": request.user.pk, "at": data["at"].isoformat()}
        return None
    membership_link(user=request.user, organisation=organisation, source=SOURCE, request=request)
    _grant(request, organisation, data)
    return organisation


def pending_login(request) -> dict | None:
    """The parked login of this session's user (KvK number without an organisation), if any."""
    data = request.session.get(PENDING_SESSION_KEY)
    if not data or data.get("user") != request.user.pk:
        return None
    return data


def eherkenning_organisation_create(*, request, data: dict) -> Organisation:
    """Register the organisation of the parked login, its KvK number fixed from eHerkenning.

    The person becomes its administrator (not a standing signatory: that authority comes from the
    broker per session). If someone registered the KvK number in the meantime, the person is
    linked to that organisation instead. Raises ``LoginRefused`` without a parked login.
    """
    pending = pending_login(request)
    if pending is None:
        raise LoginRefused("no_pending_login", _("Log in with eHerkenning first."))
    data = {**data, "kvk_number": pending["kvk_number"]}
    try:
        organisation = organisation_create(
            actor=request.user, data=data, request=request, authorised_signatory=False, source=SOURCE
        )
    except OrganisationExists:
        organisation = Organisation.objects.get(kvk_number=pending["kvk_number"])
        membership_link(user=request.user, organisation=organisation, source=SOURCE, request=request)
    _grant(request, organisation, {**pending, "at": datetime.fromisoformat(pending["at"])})
    request.session.pop(PENDING_SESSION_KEY, None)
    return organisation
