"""Account writes: sign-up and e-mail confirmation."""

from django.contrib.auth.models import Group
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_event_record
from notifications.services import email_queue

from .models import User

CONFIRM_SALT = "accounts.confirm-email"


def confirmation_token_make(user: User) -> str:
    return signing.dumps({"uid": user.pk, "email": user.email}, salt=CONFIRM_SALT)


def user_signup(*, email: str, full_name: str, password: str, language: str, request=None) -> User | None:
    """Create an inactive account and mail a confirmation link.

    If the address is taken, the owner gets a "you already have an account" e-mail and
    None is returned, so that the sign-up page does not reveal who has an account.
    """
    from django.conf import settings

    email = email.strip().lower()
    with transaction.atomic():
        existing = User.objects.filter(email__iexact=email).first()
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
        )
        audit_event_record(action="auth.signup", actor=None, obj=user, request=request)
    return user


def user_confirm_email(*, token: str, request=None) -> User:
    """Activate the account named by a valid confirmation token.

    Raises ``signing.BadSignature`` (or ``SignatureExpired``) for an invalid token.
    """
    from django.conf import settings

    data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.ACCOUNT_CONFIRMATION_MAX_AGE)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=data["uid"], email=data["email"])
        if user.email_confirmed_at is None:
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
