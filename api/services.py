"""Machine clients of the API: created, given a new secret and revoked by RVO staff.

Each function is one transaction with an audit event; only RVO staff may call them
(``staff.access``, checked here again). A client acts as its own service account: a user without
a password that is in the permission group of each of its write scopes only
(``api.constants.SCOPE_GROUPS``), so ``organisations.policies.require`` authorises an API write with
the same rule as a page, and a revoked client's account is deactivated at once.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application

from audit.services import audit_event_record
from organisations.policies import require

from .constants import SCOPE_GROUPS, SCOPES, SERVICE_ACCOUNT_DOMAIN
from .models import ApiClient


def _scopes_clean(scopes) -> list[str]:
    chosen = sorted(set(scopes or []))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise ValidationError(_("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(unknown)})
    if not chosen:
        raise ValidationError(_("Choose at least one scope."))
    return chosen


def _name_clean(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the client a name."))
    limit = ApiClient._meta.get_field("name").max_length
    if len(name) > limit:
        raise ValidationError(_("The name can be at most %(limit)s characters long.") % {"limit": limit})
    return name


def _groups_set(user, scopes: list[str]) -> None:
    groups = [Group.objects.get_or_create(name=SCOPE_GROUPS[s])[0] for s in scopes if s in SCOPE_GROUPS]
    user.groups.set(groups)


def api_client_create(*, actor, name: str, scopes, request=None) -> tuple[ApiClient, str]:
    """Create a client with ``scopes``; returns it and its secret, which is shown once and stored
    only as a hash (django-oauth-toolkit hashes it on save)."""
    require(actor, "staff.access")
    name = _name_clean(name)
    scopes = _scopes_clean(scopes)
    secret = generate_client_secret()
    with transaction.atomic():
        user_model = get_user_model()
        service_user = user_model(
            email=f"client-{secrets.token_hex(8)}@{SERVICE_ACCOUNT_DOMAIN}",
            full_name=_("API client: %(name)s") % {"name": name},
            language="en",
        )
        service_user.set_unusable_password()
        service_user.save()
        _groups_set(service_user, scopes)
        application = Application.objects.create(
            name=name,
            user=service_user,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
            skip_authorization=True,
        )
        client = ApiClient.objects.create(
            name=name,
            client_id=application.client_id,
            application=application,
            service_user=service_user,
            scopes=scopes,
            created_by=actor,
        )
        audit_event_record(
            action="api_client.create",
            actor=actor,
            obj=client,
            request=request,
            details={"client_id": client.client_id, "name": name, "scopes": scopes},
        )
    return client, secret


def api_client_rotate(*, actor, client: ApiClient, request=None) -> str:
    """Give the client a new secret (returned, shown once); the old secret and every token issued
    with it stop working at once."""
    require(actor, "staff.access")
    secret = generate_client_secret()
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if not client.is_active:
            raise ValidationError(_("This client was revoked; create a new one."))
        application = client.application
        application.client_secret = secret
        application.save()
        AccessToken.objects.filter(application=application).delete()
        client.secret_rotated_at = timezone.now()
        client.save(update_fields=["secret_rotated_at"])
        audit_event_record(
            action="api_client.rotate",
            actor=actor,
            obj=client,
            request=request,
            details={"client_id": client.client_id, "name": client.name},
        )
    return secret


def api_client_revoke(*, actor, client: ApiClient, request=None) -> ApiClient:
    """Revoke a client for good: its OAuth application and tokens are deleted, its service account
    deactivated and taken out of every group. The row stays, so the audit trail still names it."""
    require(actor, "staff.access")
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if client.revoked_at is not None:
            return client
        if client.application_id is not None:
            AccessToken.objects.filter(application_id=client.application_id).delete()
            Application.objects.filter(pk=client.application_id).delete()
        user = client.service_user
        user.is_active = False
        user.save(update_fields=["is_active"])
        user.groups.clear()
        client.application = None
        client.revoked_at = timezone.now()
        client.save(update_fields=["application", "revoked_at"])
        audit_event_record(
            action="api_client.revoke",
            actor=actor,
            obj=client,
            request=request,
            details={"client_id": client.client_id, "name": client.name},
        )
    return client


def api_write_record(*, client: ApiClient, operation: str, obj, request=None, details: dict | None = None) -> None:
    """The audit event of one API write, naming the client; call it inside the write's transaction
    (the service's own event names the client's service account as actor)."""
    audit_event_record(
        action=f"api.{operation}",
        actor=client.service_user,
        obj=obj,
        request=request,
        details={"client_id": client.client_id, "client": client.name, **(details or {})},
    )
