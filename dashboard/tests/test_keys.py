"""The rounding key is a key of its own (issue 23, item 2): dashboard/keys.py and dashboard/checks.py."""

import base64
import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.local_state import local_secret_path
from dashboard.checks import rounding_key_check, rounding_key_deploy_check
from dashboard.disclosure import _key, random_round
from dashboard.keys import _rounding_key, rounding_key_decode, rounding_key_id

ROOT = Path(__file__).resolve().parents[2]
GOOD = bytes(range(40, 72))  # test-only: 32 distinct bytes


@pytest.mark.parametrize("encode", [bytes.hex, lambda raw: base64.b64encode(raw).decode()])
def test_a_configured_key_of_32_bytes_in_hex_or_base64_is_used(settings, encode):
    settings.DASHBOARD_ROUNDING_KEY = encode(GOOD)
    assert _key() == GOOD
    assert rounding_key_check() == []
    assert rounding_key_deploy_check() == []


@pytest.mark.parametrize(
    "value",
    [
        "1",
        "secret",
        GOOD[:31].hex(),  # 31 bytes
        "ab" * 32,  # 32 bytes, one value
        bytes(range(8)).hex() * 4,  # 32 bytes, 8 values repeating
        "not a key at all, but long enough to pass a length test?!",
    ],
)
def test_short_or_patterned_keys_are_refused(settings, value):
    settings.DASHBOARD_ROUNDING_KEY = value
    with pytest.raises(ImproperlyConfigured, match="DASHBOARD_ROUNDING_KEY"):
        _key()
    [error] = rounding_key_check()
    assert error.id == "dashboard.E002" and error.is_serious()


def test_a_key_derived_from_the_secret_key_is_refused(settings):
    settings.SECRET_KEY = base64.b64encode(bytes(range(100, 140))).decode()
    for value in (
        settings.SECRET_KEY,
        hashlib.sha256(b"imvo-dashboard-rounding:" + settings.SECRET_KEY.encode()).hexdigest(),
    ):
        with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
            rounding_key_decode(value)


def test_an_evidence_key_is_not_a_key_of_its_own(settings):
    settings.DECLARATION_CHAIN_KEY = GOOD.hex()
    with pytest.raises(ImproperlyConfigured, match="of its own"):
        rounding_key_decode(base64.b64encode(GOOD).decode())


def test_the_key_no_longer_follows_the_secret_key(settings):
    settings.DEBUG = True
    settings.DASHBOARD_ROUNDING_KEY = ""
    before = _key()
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert _key() == before
    assert before != hashlib.sha256(b"imvo-dashboard-rounding:" + settings.SECRET_KEY.encode()).digest()


def test_production_without_a_key_refuses_to_round(settings):
    settings.DEBUG = False
    settings.DASHBOARD_ROUNDING_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="required"):
        random_round("profile", 3)
    [error] = rounding_key_deploy_check()
    assert error.id == "dashboard.E001" and error.is_serious()


def test_the_embedded_default_generates_a_private_key_once_outside_the_database(settings, tmp_path):
    settings.DEBUG = True
    settings.DASHBOARD_ROUNDING_KEY = ""
    settings.LOCAL_STATE_DIR = tmp_path / "state"
    key = _key()
    path = local_secret_path("dashboard-rounding")
    assert len(key) == 32 and bytes.fromhex(path.read_text().strip()) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    _rounding_key.cache_clear()  # as a new process: reads the same file
    assert _key() == key
    settings.LOCAL_STATE_DIR = tmp_path / "elsewhere"  # another installation: another key
    assert _key() != key


def test_a_local_key_that_others_can_read_is_refused(settings, tmp_path):
    settings.DEBUG = True
    settings.DASHBOARD_ROUNDING_KEY = ""
    settings.LOCAL_STATE_DIR = tmp_path / "state"
    _key()
    path = local_secret_path("dashboard-rounding")
    os.chmod(path, 0o644)
    _rounding_key.cache_clear()
    with pytest.raises(ImproperlyConfigured, match="remove it"):
        _key()


def test_the_key_id_changes_with_the_key_and_does_not_contain_it(settings):
    settings.DASHBOARD_ROUNDING_KEY = GOOD.hex()
    first = rounding_key_id()
    assert GOOD.hex() not in first and GOOD.hex()[:8] not in first
    settings.DASHBOARD_ROUNDING_KEY = bytes(range(1, 33)).hex()
    assert rounding_key_id() != first


def _deploy_check(**overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DASHBOARD_"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SETTINGS_MODULE="imvo_portal.settings",
        DJANGO_SECRET_KEY="test-only-" + "k" * 50,
        DJANGO_ALLOWED_HOSTS="imvo.example",
        DECLARATION_CHAIN_KEY=bytes(range(32)).hex(),  # test-only
        DECLARATION_CHECKPOINT_PRIVATE_KEY=base64.b64encode(bytes(range(50, 82))).decode(),  # test-only
        **overrides,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "overrides, error",
    [({}, "dashboard.E001"), ({"DASHBOARD_ROUNDING_KEY": "1"}, "dashboard.E002")],
)
def test_check_deploy_fails_on_a_missing_or_short_key(overrides, error):
    result = _deploy_check(**overrides)
    assert result.returncode != 0
    assert error in result.stderr


def test_check_deploy_accepts_a_key_of_its_own():
    result = _deploy_check(DASHBOARD_ROUNDING_KEY=GOOD.hex())
    assert "dashboard.E00" not in result.stdout + result.stderr


@pytest.mark.django_db
def test_the_page_cache_key_names_the_key_by_its_id_only(client, settings):
    from django.core.cache import cache
    from django.urls import reverse

    from dashboard.services import rollups_refresh
    from tests.factories import MinistryUserFactory
    from tests.mfa import login_staff

    rollups_refresh()
    login_staff(client, MinistryUserFactory())
    settings.DASHBOARD_CACHE_SECONDS = 60
    settings.DASHBOARD_ROUNDING_KEY = GOOD.hex()
    cache.clear()
    assert client.get(reverse("dashboard:index")).status_code == 200
    first = {key for key in cache._cache if "dashboard:body:" in key}  # LocMemCache, tests only
    assert len(first) == 1
    assert not any(GOOD.hex() in key or base64.b64encode(GOOD).decode() in key for key in first)
    settings.DASHBOARD_ROUNDING_KEY = bytes(range(1, 33)).hex()  # another key: another cache entry
    client.get(reverse("dashboard:index"))
    assert len({key for key in cache._cache if "dashboard:body:" in key}) == 2
