"""Account writes: sign-up and e-mail confirmation."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_event_record
from core.tokens import StateTokenGenerator, TokenExpired, TokenInvalid, TokenStale
from notifications.services import email_queue

from .exceptions import ConfirmationLinkExpired, ConfirmationLinkInvalid, ConfirmationLinkUsed
from .identity import normalise_email
from .models import User

CONFIRM_SALT = "accounts.confirm-email"


def _confirmation_state(user: User) -> str:
    """What a confirmation link may act on; it changes once the link is used, the password changes
    or the account is (de)activated, and the link stops working."""
    return f"{user.pk}|{user.email}|{user.password}|{user.is_active}|{user.email_confirmed_at}"


confirmation_tokens = StateTokenGenerator(
    salt=CONFIRM_SALT, state=_confirmation_state, max_age_setting="ACCOUNT_CONFIRMATION_MAX_AGE"
)


def confirmation_token_make(user: User) -> str:
    """A signed, expiring (``ACCOUNT_CONFIRMATION_MAX_AGE``), single-use confirmation token."""
    return confirmation_tokens.make_token(user)


def user_signup(*, email: str, full_name: str, password: str, language: str, request=None) -> User | None:
    """Create an inactive account and mail a confirmation link.

    If the address is taken, the owner gets a "you already have an account" e-mail and
    None is returned, so that the sign-up page does not reveal who has an account.
    """
    email = normalise_email(email)
    with transaction.atomic():
        existing = User.objects.filter(email=email).first()
        if existing is not None:
            email_queue(
                to=existing.email,
                template="accounts/email/already_registered",
                context={"user": existing, "login_url": settings.PORTAL_BASE_URL + reverse("accounts:login")},
                language=existing.language,
                kind="signup_existing",
            )
            audit_event_record(action="auth.signup_existing", obj=existing, request=request)
            return None
        user = User.objects.create_user(
            email=email, password=password, full_name=full_name.strip(), language=language, is_active=False
        )
        token = confirmation_token_make(user)
        email_queue(
            to=user.email,
            template="accounts/email/confirm",
            context={
                "user": user,
                "confirm_url": settings.PORTAL_BASE_URL + reverse("accounts:confirm", args=[token]),
                "days": settings.ACCOUNT_CONFIRMATION_MAX_AGE // 86400,
            },
            language=language,
            kind="signup_confirm",
            contains_secret=True,
        )
        audit_event_record(action="auth.signup", actor=None, obj=user, request=request)
    return user


def _confirmation_user(token: str, *, lock: bool) -> User:
    """The not yet confirmed user a token names, or the reason it does not work (see below)."""
    users = User.objects.select_for_update() if lock else User.objects.all()
    try:
        return confirmation_tokens.check_token(token, load=lambda pk: users.filter(pk=pk).first())
    except TokenExpired:
        raise ConfirmationLinkExpired()
    except TokenStale as stale:
        if stale.obj.email_confirmed_at is not None:
            raise ConfirmationLinkUsed()
        raise ConfirmationLinkInvalid()
    except TokenInvalid:
        raise ConfirmationLinkInvalid()


def confirmation_link_check(*, token: str) -> None:
    """Raise the reason a confirmation link does not work (used, expired, invalid); change nothing."""
    _confirmation_user(token, lock=False)


def user_confirm_email(*, token: str, request=None) -> User:
    """Activate the account named by a confirmation token; the token works once.

    Raises ``ConfirmationLinkUsed`` (the address is confirmed already: the caller must not log
    anyone in), ``ConfirmationLinkExpired`` or ``ConfirmationLinkInvalid`` (tampered, or the
    password or account changed since the link was sent).
    """
    with transaction.atomic():
        user = _confirmation_user(token, lock=True)
        user.email_confirmed_at = timezone.now()
        user.is_active = True
        user.save(update_fields=["email_confirmed_at", "is_active"])
        audit_event_record(action="auth.email_confirmed", actor=user, obj=user, request=request)
    return user


def user_profile_update(*, user: User, full_name: str, language: str, request=None) -> User:
    with transaction.atomic():
        changed = {k: v for k, v in {"full_name": full_name, "language": language}.items() if getattr(user, k) != v}
        for key, value in changed.items():
            setattr(user, key, value)
        user.full_clean()
        user.save()
        audit_event_record(
            action="account.update", actor=user, obj=user, request=request, details={"changed": sorted(changed)}
        )
    return user


def user_add_to_group(*, user: User, group_name: str) -> None:
    group, _ = Group.objects.get_or_create(name=group_name)
    user.groups.add(group)
