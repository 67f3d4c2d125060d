"""Scopes of the API's machine clients: one per resource and action (least privilege)."""

from django.utils.translation import gettext_lazy as _

from accounts.constants import API_ATTENDANCE_WRITE_GROUP, API_REGISTRATIONS_WRITE_GROUP

API_VERSION = "1.0.0"

MISSIONS_READ = "missions:read"
REGISTRATIONS_READ = "registrations:read"
REGISTRATIONS_WRITE = "registrations:write"
ATTENDANCE_WRITE = "attendance:write"
INSTRUMENTS_READ = "instruments:read"
DECLARATIONS_READ = "declarations:read"
PERSONAL_DATA_READ = "personal-data:read"
FIGURES_READ = "figures:read"

SCOPE_LABELS = {
    MISSIONS_READ: _("Read missions and preparation sessions"),
    REGISTRATIONS_READ: _("Read registrations, their status history and attendance"),
    REGISTRATIONS_WRITE: _("Decide on registrations (confirm, promote from the waiting list, reject)"),
    ATTENDANCE_WRITE: _("Record attendance at preparation sessions"),
    INSTRUMENTS_READ: _("Read instruments with their IMVO level, phases and conditions"),
    DECLARATIONS_READ: _("Read declaration records as evidence (without personal data)"),
    PERSONAL_DATA_READ: _("Also receive personal data: names, e-mail addresses, IP addresses and user agents"),
    FIGURES_READ: _("Read the published dashboard releases"),
}
SCOPES = tuple(SCOPE_LABELS)

# A write scope is also a group of the client's service account: the permission layer
# (organisations.policies) then allows the same services the staff pages call, and nothing more.
SCOPE_GROUPS = {
    REGISTRATIONS_WRITE: API_REGISTRATIONS_WRITE_GROUP,
    ATTENDANCE_WRITE: API_ATTENDANCE_WRITE_GROUP,
}

# Service accounts get addresses in a reserved domain (RFC 2606): no mail ever reaches anybody.
SERVICE_ACCOUNT_DOMAIN = "api-client.invalid"

# Who set a registration's status, as the API says it (never a name: ``personal-data:read`` is not needed).
ACTOR_ORGANISATION = "organisation"
ACTOR_RVO_STAFF = "rvo_staff"
ACTOR_API_CLIENT = "api_client"
ACTOR_PORTAL = "portal"
ACTOR_DELETED_ACCOUNT = "deleted_account"  # a person acted whose account has since been deleted
ACTOR_KINDS = (ACTOR_ORGANISATION, ACTOR_RVO_STAFF, ACTOR_API_CLIENT, ACTOR_PORTAL, ACTOR_DELETED_ACCOUNT)
