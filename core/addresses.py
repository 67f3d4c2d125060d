"""The one normalisation of an e-mail address, for every layer (``accounts.identity`` re-exports it).

Login, the lockout, sign-up and invitations key on it; the audit trail, the outbox and the privacy
pages select a person's records by the address in this form, compared as a whole value.
"""

from email.utils import getaddresses


def normalise_email(value: str | None) -> str:
    """The stored form of an e-mail address: surrounding white space removed, lower case."""
    return (value or "").strip().lower()


def recipient_addresses(recipients) -> set[str]:
    """The normalised addresses of a recipient list (``["a@x.nl", "Name <b@x.nl>"]`` or one string)."""
    if isinstance(recipients, str):
        recipients = [recipients]
    values = [str(value) for value in recipients or [] if value]
    return {normalise_email(address) for _name, address in getaddresses(values) if address}
