"""The verification code in e-mails, computed only when an e-mail is sent.

docs/evidence.md promises the code is stored nowhere: it is an HMAC an insider who reads the database
cannot produce. E-mails therefore carry it as a ``notifications.services.SecretValue``: the outbox
row holds a random placeholder, and these resolvers compute the code (and the prefilled
``/verify/`` link) only for the e-mail handed to the mail server.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from notifications.services import SecretValue, secret_resolver_register

from .models import Declaration
from .references import verification_code

CODE = "declaration.verification_code"
VERIFY_LINK = "declaration.verify_link"


def verify_link(declaration: Declaration, code: str) -> str:
    """The absolute ``/verify/`` link prefilled with the reference and code (the receipt's QR code)."""
    query = {"reference": declaration.reference, **({"code": code} if code else {})}
    return f"{settings.PORTAL_BASE_URL}{reverse('verify')}?{urlencode(query)}"


def _code(declaration_id: int) -> str:
    return verification_code(Declaration.objects.get(pk=declaration_id))


def _verify_link(declaration_id: int) -> str:
    declaration = Declaration.objects.get(pk=declaration_id)
    return verify_link(declaration, verification_code(declaration))


def code_secret(declaration: Declaration) -> SecretValue:
    return SecretValue(CODE, declaration.pk)


def verify_link_secret(declaration: Declaration) -> SecretValue:
    return SecretValue(VERIFY_LINK, declaration.pk)


def mail_secrets_register() -> None:
    secret_resolver_register(CODE, _code)
    secret_resolver_register(VERIFY_LINK, _verify_link)
