"""Who may do what: the portal's one permission layer.

Every role rule of the portal lives in ``POLICIES`` below, as a named predicate ``(user, obj)``:

- roles from Django groups (``rvo_staff``, ``ministry``) and ``is_superuser``;
- object rules from the user's membership of the organisation an object belongs to
  (member, organisation admin, authorised signatory).

Views ask the same questions (``PolicyRequiredMixin``, the ``{% can %}`` template tag, ``can()``)
to decide what to show, and services ask again with ``require()`` before they write: a service
never trusts its caller for a role rule. The module lives in ``organisations`` because that is
the lowest layer that knows every role; apps above it import it, it imports nothing above it.

An object's organisation is found through ``organisation_id`` (registrations, declarations,
follow-ups) or is the object itself (an ``Organisation``).

Some rules also need the organisation to be *verified* (its KvK number proven by an eHerkenning
login or by RVO staff, ``Organisation.verification``): a password account can type any KvK number,
so an unverified organisation may prepare, but not sign. Such a refusal raises
``OrganisationUnverified``, which says what to do.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts.constants import (
    API_ATTENDANCE_WRITE_GROUP,
    API_REGISTRATIONS_WRITE_GROUP,
    MINISTRY_GROUP,
    RVO_STAFF_GROUP,
)
from accounts.roles import is_privileged
from core.exceptions import DomainError

from .authority import session_authority
from .constants import MembershipRole
from .models import Membership, Organisation


class NotAllowed(DomainError):
    message = _("You are not allowed to do this.")


class OrganisationUnverified(NotAllowed):
    message = _(
        "Your organisation cannot sign declarations yet: its KvK number has not been verified. Log in with "
        "eHerkenning for this KvK number (the organisation is then verified at once), or ask RVO to verify "
        "the organisation. You can already prepare registrations and applications."
    )


# --- roles ------------------------------------------------------------------------------------


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _in_group(user, group: str) -> bool:
    return _authenticated(user) and group in user.group_names


def is_rvo_staff(user) -> bool:
    return _in_group(user, RVO_STAFF_GROUP)


def is_ministry(user) -> bool:
    return _in_group(user, MINISTRY_GROUP)


def is_api_client_for(group: str):
    """A machine client's service account holding the group of one write scope (``api`` app):
    it may do that one thing, through the same services as staff, and nothing else."""
    return lambda user: _in_group(user, group)


def is_superuser(user) -> bool:
    return _authenticated(user) and bool(user.is_superuser)


def _organisation_id(obj) -> int | None:
    if obj is None:
        return None
    if isinstance(obj, Organisation):
        return obj.pk
    if isinstance(obj, int):
        return obj
    return getattr(obj, "organisation_id", None)


_CACHE = "_policy_memberships"


def membership_of(user, obj) -> Membership | None:
    """The user's membership of the organisation ``obj`` belongs to.

    All of a user's memberships are read in one query and kept on the user object, so a page that
    asks many questions pays once; ``require()`` drops that copy first, so a service always decides
    on fresh data.
    """
    organisation_id = _organisation_id(obj)
    if not _authenticated(user) or organisation_id is None:
        return None
    memberships = user.__dict__.get(_CACHE)
    if memberships is None:
        memberships = {
            m.organisation_id: m for m in Membership.objects.filter(user=user).select_related("organisation")
        }
        user.__dict__[_CACHE] = memberships
    return memberships.get(organisation_id)


def is_member(user, obj) -> bool:
    return membership_of(user, obj) is not None


def is_organisation_admin(user, obj) -> bool:
    membership = membership_of(user, obj)
    return membership is not None and membership.role == MembershipRole.ADMIN


def is_signatory(user, obj) -> bool:
    """A standing authorised signatory, or one for this session by an eHerkenning authorisation
    (``organisations.authority``)."""
    membership = membership_of(user, obj)
    return membership is not None and (
        membership.is_authorised_signatory or session_authority(user, membership.organisation_id) is not None
    )


def organisation_unverified(user, obj) -> bool:
    """The user is a member of the organisation and its KvK number is not proven yet: the reason a
    rule with ``verified_organisation`` refuses (pages say so, ``require`` raises
    ``OrganisationUnverified``)."""
    membership = membership_of(user, obj)
    return membership is not None and not membership.organisation.is_verified


def is_admin_or_signatory(user, obj) -> bool:
    membership = membership_of(user, obj)
    return membership is not None and (membership.role == MembershipRole.ADMIN or is_signatory(user, obj))


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    name: str
    who: str  # translated description, for the domain document and error messages
    check: Callable[[object, object], bool]
    object_level: bool = False  # denied object-level checks answer 404: existence is not revealed
    verified_organisation: bool = False  # also needs the object's organisation to be verified

    def allows(self, user, obj) -> bool:
        return self.check(user, obj) and not (self.verified_organisation and organisation_unverified(user, obj))


def _any(*checks):
    return lambda user, obj: any(check(user, obj) for check in checks)


def _role(check):
    return lambda user, obj: check(user)


_STAFF = _role(is_rvo_staff)

POLICIES: dict[str, Policy] = {
    p.name: p
    for p in [
        Policy("portal.use", _("any signed-in user"), lambda user, obj: _authenticated(user)),
        # One's own account: everyone sees their data; staff, ministry and operator accounts are
        # closed by the operators, not by their holders.
        Policy("account.data", _("any signed-in user, for their own account"), lambda user, obj: _authenticated(user)),
        Policy(
            "account.delete",
            _("a company user, for their own account"),
            lambda user, obj: _authenticated(user) and not is_privileged(user),
        ),
        # Back-office, dashboard, admin.
        Policy("staff.access", _("RVO staff"), _STAFF),
        Policy("mission.manage", _("RVO staff"), _STAFF),
        Policy(
            "registration.decide",
            _("RVO staff, or an API client with the scope registrations:write"),
            _any(_STAFF, _role(is_api_client_for(API_REGISTRATIONS_WRITE_GROUP))),
        ),
        Policy(
            "attendance.record",
            _("RVO staff, or an API client with the scope attendance:write"),
            _any(_STAFF, _role(is_api_client_for(API_ATTENDANCE_WRITE_GROUP))),
        ),
        Policy("brochure.manage", _("RVO staff"), _STAFF),
        Policy("mail.manage", _("RVO staff"), _STAFF),
        Policy("instrument.manage", _("RVO staff"), _STAFF),
        Policy("organisation.verify", _("RVO staff"), _STAFF),
        Policy("webhook.manage", _("RVO staff"), _STAFF),
        Policy("dashboard.view", _("ministry or RVO staff"), _any(_role(is_ministry), _STAFF)),
        Policy("admin.access", _("superuser"), _role(is_superuser)),
        # A company's own data.
        Policy("organisation.view", _("member of the organisation"), is_member, object_level=True),
        Policy("organisation.edit", _("organisation admin"), is_organisation_admin, object_level=True),
        Policy("membership.manage", _("organisation admin"), is_organisation_admin, object_level=True),
        Policy("registration.view", _("member of the organisation"), is_member, object_level=True),
        Policy("registration.edit_draft", _("member of the organisation"), is_member, object_level=True),
        Policy(
            "registration.withdraw",
            _("organisation admin or authorised signatory, or RVO staff"),
            _any(is_admin_or_signatory, _STAFF),
            object_level=True,
        ),
        Policy("registration.discard_draft", _("member of the organisation"), is_member, object_level=True),
        # Only for an organisation whose KvK number is proven (eHerkenning or RVO staff): a
        # declaration is evidence that counts toward the ministry's figures.
        Policy(
            "declaration.sign",
            _("authorised signatory of a verified organisation"),
            is_signatory,
            object_level=True,
            verified_organisation=True,
        ),
        Policy("instrument.apply", _("member of the organisation"), is_member, object_level=True),
        Policy(
            "instrument.application_view",
            _("member of the organisation, or RVO staff"),
            _any(is_member, _STAFF),
            object_level=True,
        ),
        Policy(
            "declaration.receipt",
            _("member of the organisation, or RVO staff"),
            _any(is_member, _STAFF),
            object_level=True,
        ),
    ]
}


def can(user, action: str, obj=None) -> bool:
    """Whether ``user`` may do ``action`` (a key of ``POLICIES``) on ``obj``."""
    return POLICIES[action].allows(user, obj)


def require(user, action: str, obj=None) -> None:
    """Raise ``NotAllowed`` unless ``user`` may do ``action`` on ``obj`` (services call this, on
    fresh data)."""
    if user is not None:
        user.__dict__.pop(_CACHE, None)
    rule = POLICIES[action]
    if not rule.check(user, obj):
        raise NotAllowed(_("You are not allowed to do this. It is reserved for: %(who)s.") % {"who": rule.who})
    if not rule.allows(user, obj):
        raise OrganisationUnverified()


# --- views ----------------------------------------------------------------------------------------


class PolicyRequiredMixin(LoginRequiredMixin):
    """Anonymous users go to the login page; a user the policy refuses gets 403, or 404 when the
    policy is about an object of an organisation they do not belong to (so nobody learns that
    another organisation's object exists).

    Set ``policy``; for an object-level policy, override ``get_policy_object()`` (it runs after the
    login check, so it may use ``request.user``, and before the policy is read, so it may set it).
    """

    policy: str = ""
    permission_denied_message = _(
        "Your account does not have the role needed for this page. If you think this is a mistake, "
        "contact the IMVO support desk."
    )

    def get_policy_object(self):
        return None

    def load_objects(self):
        """Load what the view works on; runs only once the policy has allowed the request. May
        return a response (e.g. a redirect) that ends the request there."""
        return None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        obj = self.get_policy_object()  # may choose self.policy from the object
        rule = POLICIES[self.policy]
        if not rule.allows(request.user, obj):
            if rule.object_level and not (is_member(request.user, obj) or is_rvo_staff(request.user)):
                raise Http404
            raise PermissionDenied(self.permission_denied_message)
        response = self.load_objects()
        if response is not None:
            return response
        return super().dispatch(request, *args, **kwargs)


def safe_next_url(request, candidate: str | None, default: str) -> str:
    """``candidate`` if it points into this site (no open redirect), else ``default``."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
