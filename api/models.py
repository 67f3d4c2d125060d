from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    """A system outside the portal that reads or writes through the API (OAuth 2 client credentials).

    The OAuth application (django-oauth-toolkit) holds the hashed secret; this row holds what the
    portal decides: the scopes, the service account the client acts as (``service_user``: in the
    permission groups of its write scopes only, no password, no login), who created it and whether
    it was revoked. A revoked client keeps its row (the audit trail names it) and loses its
    application and tokens.
    """

    name = models.CharField(_("name"), max_length=100, help_text=_("Which system this is, e.g. the CRM of RVO."))
    client_id = models.CharField(_("client id"), max_length=100, unique=True, editable=False)
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        verbose_name=_("OAuth application"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="api_client",
    )
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        related_name="api_client",
    )
    scopes = models.JSONField(_("scopes"), default=list, help_text=_("What the client may read or do."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    secret_rotated_at = models.DateTimeField(_("secret last replaced at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.application_id is not None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
