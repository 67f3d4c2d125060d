from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OIDCIdentity(models.Model):
    """A person as an OpenID Provider knows them: the pseudonymous ``sub`` of one issuer.

    The only key an eHerkenning login is matched on; never the e-mail address, which a broker may
    send unverified and which a password account may already use.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="oidc_identities"
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject (pseudonym)"), max_length=255)
    created_at = models.DateTimeField(_("linked at"), default=timezone.now)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        verbose_name = _("eHerkenning identity")
        verbose_name_plural = _("eHerkenning identities")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="eherkenning_identity_unique")]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"
