import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_require_secret_and_hosts():
    result = _run({"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr and "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _run(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-secret-for-the-check-only-123456",
            "DJANGO_ALLOWED_HOSTS": "imvo.example",
            "DJANGO_SETTINGS_MODULE": "imvo_portal.settings",
            # test-only evidence keys (the development keys are refused when DEBUG is off)
            "DECLARATION_CHAIN_KEY": "ab" * 32,
            "DECLARATION_CHECKPOINT_PRIVATE_KEY": "cXVpdGUtcmFuZG9tLWZvci10aGUtY2hlY2stb25seSE=",
            "DASHBOARD_ROUNDING_KEY": bytes(range(7, 39)).hex(),  # test-only
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
