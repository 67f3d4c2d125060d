"""The layer order of ARCHITECTURE.md, for models: no model of a lower app points at a higher one.

A foreign key (or one-to-one, many-to-many) from a lower app up to a higher one ties the lower app
to the higher one's schema and migrations: ``declarations`` names its subjects through the protocol
in ``declarations/subjects.py`` instead. This test walks every relation of every project model.
"""

from configparser import ConfigParser
from pathlib import Path

from django.apps import apps
from django.conf import settings


def contract_layers() -> tuple[tuple[str, ...], ...]:
    """The layers of the import contract in .importlinter (one definition), lowest first."""
    config = ConfigParser()
    config.read(Path(settings.BASE_DIR) / ".importlinter")
    lines = config["importlinter:contract:layers"]["layers"].split("\n")
    return tuple(tuple(app.strip() for app in line.split("|")) for line in reversed(lines) if line.strip())


#: Lowest first; apps on one line are one layer (siblings, which import each other in no direction).
LAYERS = contract_layers()
RANK = {app: rank for rank, layer in enumerate(LAYERS) for app in layer}


def relations_pointing_up() -> list[str]:
    found = []
    for model in apps.get_models():
        own = RANK.get(model._meta.app_label)
        if own is None:
            continue  # Django's and third-party apps
        for field in model._meta.get_fields(include_hidden=True):
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            if field.related_model._meta.label == settings.AUTH_USER_MODEL:
                continue  # the user model is swappable: every app may name it (settings.AUTH_USER_MODEL)
            target = RANK.get(field.related_model._meta.app_label, -1)
            if target > own:
                found.append(f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}")
    return found


def test_every_project_app_has_a_layer():
    root = Path(settings.BASE_DIR)
    ours = {c.label for c in apps.get_app_configs() if Path(c.path).parent == root}
    assert ours - set(RANK) == set()


def test_no_model_points_at_a_higher_layer():
    assert relations_pointing_up() == []


def test_the_walk_finds_a_relation_that_points_up(monkeypatch):
    """The test above can fail: were missions below declarations, their pointer to the record would point up."""
    monkeypatch.setitem(RANK, "missions", RANK["declarations"] - 1)
    assert "missions.Registration.current_declaration -> declarations.Declaration" in relations_pointing_up()
