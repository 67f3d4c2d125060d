from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class EndpointInvalid(DomainError):
    message = _("This endpoint cannot be saved.")

    def __init__(self, message=None, *, field: str | None = "url"):
        super().__init__(message)
        self.field = field


class DeliveryNotResendable(DomainError):
    message = _("This delivery is still being sent; wait until it has succeeded or failed.")
