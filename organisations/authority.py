"""Authority to sign that lasts one session: an eHerkenning authorisation (machtiging).

When the eHerkenning broker says the person is authorised for the service "IMVO-verklaring
afgeven" of an organisation, they are its authorised signatory for the time of that login session
only; no standing flag on the membership changes. The grant lives in the (server-side) session,
bound to the user it was made for; ``SessionAuthorityMiddleware`` puts it on ``request.user`` so
that ``organisations.policies`` can read it without a request, and the declaration evidence
records it (``authority_evidence``).

The grant still needs a membership: the policy asks for one first (``policies.is_signatory``).
Logout, a new login and the session's lifetime limits end it, as they end the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

SESSION_KEY = "_session_authority"
_USER_ATTRIBUTE = "_session_authority_grants"


@dataclass(frozen=True)
class SessionAuthority:
    organisation_id: int
    source: str  # "eherkenning"
    level: str  # the assurance level URN of the login
    granted_at: str  # ISO 8601, UTC

    def evidence(self) -> str:
        """The line the declaration record keeps: where the authority came from, level and time."""
        return f"{self.source};{self.level};{self.granted_at}"


def session_authority_grant(request, *, organisation_id: int, source: str, level: str, at: datetime | None = None):
    """Make the signed-in user an authorised signatory of ``organisation_id`` for this session."""
    at = (at or timezone.now()).astimezone(UTC)
    data = request.session.get(SESSION_KEY) or {}
    if data.get("user") != request.user.pk:
        data = {"user": request.user.pk, "grants": {}}
    data["grants"][str(organisation_id)] = {"source": source, "level": level, "at": at.isoformat()}
    request.session[SESSION_KEY] = data
    _attach(request.user, data)


def _attach(user, data: dict) -> None:
    grants = {
        int(org_id): SessionAuthority(int(org_id), g["source"], g["level"], g["at"])
        for org_id, g in (data.get("grants") or {}).items()
    }
    user.__dict__[_USER_ATTRIBUTE] = grants


def session_authority(user, organisation_id: int | None) -> SessionAuthority | None:
    """The grant this session holds for the organisation, if any (None without a request)."""
    if organisation_id is None or user is None:
        return None
    return (user.__dict__.get(_USER_ATTRIBUTE) or {}).get(organisation_id)


def authority_evidence(user, organisation_id: int | None) -> str:
    """Evidence text of the session grant (empty when the authority is a standing one)."""
    grant = session_authority(user, organisation_id)
    return grant.evidence() if grant else ""


class SessionAuthorityMiddleware:
    """Puts the session's grants on ``request.user`` (only for the user they were made for)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            data = session.get(SESSION_KEY) or {}
            if user is not None and user.is_authenticated and data.get("user") == user.pk:
                _attach(user, data)
        return self.get_response(request)
