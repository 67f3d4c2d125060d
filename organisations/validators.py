from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_kvk_number(value: str) -> None:
    """A KvK (Chamber of Commerce) number is exactly 8 digits."""
    if not (isinstance(value, str) and len(value) == 8 and value.isascii() and value.isdigit()):
        raise ValidationError(_("A KvK number consists of exactly 8 digits, for example 12345678."), code="invalid_kvk")
