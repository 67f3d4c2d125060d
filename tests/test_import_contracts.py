"""`make lint` runs import-linter's contracts (.importlinter): these tests show they hold and can fail.

Each case copies the project's Python packages to a temporary folder, adds one module there, and
runs ``lint-imports`` on the copy: the working tree is never touched, so parallel tests and the
developer's checkout see nothing of it.
"""

import shutil
import subprocess
import sys
from configparser import ConfigParser
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def root_packages() -> list[str]:
    config = ConfigParser()
    config.read(ROOT / ".importlinter")
    return config["importlinter"]["root_packages"].split()


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("layers")
    for package in root_packages():
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "templates", "migrations", "*.mo"),
        )
    shutil.copy(ROOT / ".importlinter", target / ".importlinter")
    return target


def lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=folder,
        env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def probe(project_copy):
    """Write a module into the copy for one test, and take it out again."""
    written = []

    def write(dotted: str, source: str) -> None:
        path = project_copy.joinpath(*dotted.split(".")).with_suffix(".py")
        path.write_text(source)
        written.append(path)

    yield write
    for path in written:
        path.unlink()


def test_the_project_keeps_every_contract(project_copy):
    result = lint(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(project_copy, probe):
    probe("core.layer_probe", "from missions.models import Mission  # noqa\n")
    result = lint(project_copy)
    assert result.returncode == 1
    assert "core is not allowed to import missions" in result.stdout
    assert "core.layer_probe -> missions.models" in result.stdout


def test_a_function_local_upward_import_is_found_too(project_copy, probe):
    probe("declarations.layer_probe", "def late():\n    from staff import selectors  # noqa\n")
    result = lint(project_copy)
    assert result.returncode == 1
    assert "declarations is not allowed to import staff" in result.stdout


def test_siblings_of_one_layer_stay_independent(project_copy, probe):
    probe("dashboard.layer_probe", "import staff.models  # noqa\n")
    result = lint(project_copy)
    assert result.returncode == 1
    assert "dashboard is not allowed to import staff" in result.stdout


def test_a_new_cycle_between_an_apps_modules_breaks_the_build(project_copy, probe):
    probe("organisations.cycle_probe", "from organisations import services  # noqa\n")
    probe("organisations.cycle_probe_back", "from organisations import cycle_probe  # noqa\n")
    # services -> cycle_probe_back -> cycle_probe -> services
    services = project_copy / "organisations" / "services.py"
    original = services.read_text()
    services.write_text(original + "\nfrom organisations import cycle_probe_back  # noqa\n")
    try:
        result = lint(project_copy)
    finally:
        services.write_text(original)
    assert result.returncode == 1
    assert "No cycles are allowed in organisations" in result.stdout
