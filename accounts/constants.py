from django.utils.translation import gettext_lazy as _

RVO_STAFF_GROUP = "rvo_staff"
MINISTRY_GROUP = "ministry"

LANGUAGE_CHOICES = [("nl", _("Dutch")), ("en", _("English"))]
OIDC_LOGOUT_URL_SESSION_KEY = "_oidc_logout_url"  # set by an eHerkenning login: where logout ends (RP-initiated)
