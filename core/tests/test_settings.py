import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DECLARATION_", "EVIDENCE_"))}
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


def test_production_settings_pass_the_deploy_check(tmp_path):
    from declarations.pki import evidence_pki_ensure

    pki = evidence_pki_ensure(tmp_path / "pki")  # stands in for a real TSA root and seal certificate
    production = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-secret-for-the-check-only-123456",
        "DJANGO_ALLOWED_HOSTS": "imvo.example",
        "DJANGO_SETTINGS_MODULE": "imvo_portal.settings",
        # test-only evidence keys (the development keys are refused when DEBUG is off)
        "DECLARATION_CHAIN_KEY": "ab" * 32,
        "DECLARATION_CHECKPOINT_PRIVATE_KEY": "cXVpdGUtcmFuZG9tLWZvci10aGUtY2hlY2stb25seSE=",
    }
    result = _run(production)
    assert (
        result.returncode != 0 and "DECLARATION_TSA_URL" in result.stderr and "DECLARATION_SEAL_CERT" in result.stderr
    )
    result = _run(
        {
            **production,
            "DASHBOARD_ROUNDING_KEY": bytes(range(7, 39)).hex(),  # test-only
            "DECLARATION_TSA_URL": "https://tsa.example/tsr",
            "DECLARATION_TSA_ROOTS": str(pki.root_cert),
            "DECLARATION_SEAL_CERT": str(pki.seal_cert),
            "DECLARATION_SEAL_KEY": str(pki.seal_key),
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
