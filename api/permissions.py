"""Scopes per resource and action: a view names the scope of each HTTP method."""

from rest_framework.permissions import BasePermission


class ScopeRequired(BasePermission):
    """Allow a request when its token carries the scope the view names for the method
    (``required_scopes = {"GET": "missions:read", "POST": ...}``); a view that names none is
    refused (fail closed)."""

    message = None  # api.problems words it

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if token is None or request.user is None:
            return False
        needed = getattr(view, "required_scopes", {}).get(request.method if request.method != "HEAD" else "GET")
        if not needed:
            return False
        return needed in set((token.scope or "").split())


def token_has(request, scope: str) -> bool:
    token = getattr(request, "auth", None)
    return token is not None and scope in set((token.scope or "").split())
