from django.utils.translation import gettext_lazy as _

RVO_STAFF_GROUP = "rvo_staff"
MINISTRY_GROUP = "ministry"
# Service accounts of API machine clients (api.services): one group per write scope, so the
# permission layer (organisations.policies) authorises exactly what the client's scopes allow.
API_REGISTRATIONS_WRITE_GROUP = "api_registrations_write"
API_ATTENDANCE_WRITE_GROUP = "api_attendance_write"

LANGUAGE_CHOICES = [("nl", _("Dutch")), ("en", _("English"))]
OIDC_LOGOUT_URL_SESSION_KEY = "_oidc_logout_url"  # set by an eHerkenning login: where logout ends (RP-initiated)
