from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.views import admin_login, admin_password_change
from core import views
from declarations.feed import CheckpointFeedAboutView, CheckpointFeedAtomView, CheckpointFeedJsonView
from declarations.views import VerifyView
from privacy.views import PrivacyStatementView

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/ready", views.healthz_ready, name="healthz_ready"),
    path("metrics", views.metrics, name="metrics"),
    path("i18n/language/<str:language>/", views.language_switch, name="language_switch"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/eherkenning/", include("eherkenning.urls")),
    # Passkey ceremonies under mfa/: reachable before the session's second factor, like its pages.
    path("accounts/mfa/passkeys/", include("accounts.passkey_urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("privacy.urls")),
    path("organisation/", include("organisations.urls")),
    path("missions/", include("missions.urls")),
    path("my/", include("missions.my_urls")),
    path("declarations/", include("declarations.urls")),
    path("verify/", VerifyView.as_view(), name="verify"),
    path("verify/checkpoints/", CheckpointFeedJsonView.as_view(), name="checkpoint_feed"),
    path("verify/checkpoints/atom/", CheckpointFeedAtomView.as_view(), name="checkpoint_feed_atom"),
    path("verify/checkpoints/about/", CheckpointFeedAboutView.as_view(), name="checkpoint_feed_about"),
    path("brochures/", include("brochures.urls")),
    path("instruments/<slug:slug>/imvo/", include("brochures.instrument_urls")),
    path("instruments/", include("instruments.urls")),
    path("api/v1/", include("api.urls")),
    path("staff/api-clients/", include("api.staff_urls")),
    path("staff/webhooks/", include("webhooks.urls")),
    path("staff/", include("staff.urls")),
    path("open-data/", include("opendata.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("privacy/", PrivacyStatementView.as_view(), name="privacy"),
    path("accessibility/", views.PageView.as_view(template_name="pages/accessibility.html"), name="accessibility"),
    path("contact/", views.PageView.as_view(template_name="pages/contact.html"), name="contact"),
    # One door for passwords: the admin's login and password change are the portal's (limits, lockout, 2FA).
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/password_change/", admin_password_change, name="admin_password_change"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
