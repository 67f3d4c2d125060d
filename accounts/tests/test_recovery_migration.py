"""Recovery codes kept in clear by django-otp's static device become hashes (migration 0004)."""

import importlib

import pytest
from django.apps import apps
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.models import RecoveryCode, RecoveryCodeDevice
from accounts.recovery import recovery_code_matches
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("accounts.migrations.0004_recovery_codes_hashed_session_epoch")


def test_clear_static_tokens_become_hashed_recovery_codes_that_still_work():
    user = StaffUserFactory()
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    for token in ("abcd2345", "efgh2345"):
        static.token_set.create(token=token)
    migration.hash_static_tokens(apps, None)
    assert not StaticDevice.objects.exists() and not StaticToken.objects.exists()
    device = RecoveryCodeDevice.objects.get(user=user)
    digests = list(RecoveryCode.objects.filter(device=device).values_list("digest", flat=True))
    assert len(digests) == 2 and not any("abcd2345" in d or "efgh2345" in d for d in digests)
    assert device.verify_token("abcd2345") and not device.verify_token("abcd2345")
    assert device.verify_token("efgh2345")
    assert not any(recovery_code_matches(d, "zzzz2345") for d in digests)
