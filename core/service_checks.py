"""Functions that take an ``actor`` check it: the rule, and what the test uses to enforce it.

Every public function of a project app that takes an ``actor`` parameter (in ``services`` first of
all, but also the system paths beside them: checkpoints, releases, generated brochures, the second
factor) calls the permission layer itself: ``require(...)`` or ``can(...)`` of
``organisations.policies``, ``policies.<name>`` of that module, or, in ``accounts`` below that
layer, ``require_operator(...)`` of ``accounts.roles`` (the names must resolve to those modules,
not to look-alikes). Services do not trust their callers.

A function whose actor is only recorded, not checked (a helper that checked services call, the
portal acting on its own from a command or task, an app below the permission layer) says so with
``@internal("reason")``; the reason is reviewed like code. ``core/tests/test_service_checks.py``
runs ``unchecked_services`` over ``actor_modules()`` (every module of every project app but its
tests and migrations) and fails on a function that does neither.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from django.apps import apps
from django.conf import settings

F = TypeVar("F", bound=Callable)

#: The permission layer's checks a service may call, by module (named, not imported: core imports
#: no domain app). ``accounts`` sits below ``organisations`` and checks operators through its roles.
PERMISSION_CHECKS = {
    "organisations.policies": ("require", "can"),
    "accounts.roles": ("require_operator",),
}
PERMISSION_FUNCTIONS = tuple(sorted({name for names in PERMISSION_CHECKS.values() for name in names}))
PERMISSION_MODULE = "organisations.policies"


def internal(reason: str) -> Callable[[F], F]:
    """Mark a service that takes an ``actor`` without checking it, with the reason why that is safe."""
    if not isinstance(reason, str) or len(reason.strip()) < 10:
        raise ValueError("@internal needs a reason (a sentence saying why no permission check is needed)")

    def mark(func: F) -> F:
        func.__service_internal__ = reason.strip()
        return func

    return mark


def internal_reason(func: Callable) -> str | None:
    return getattr(func, "__service_internal__", None)


def _takes_actor(func: Callable) -> bool:
    try:
        return "actor" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def _checks_permission(func: Callable) -> bool:
    """Whether ``func``'s body calls ``require``/``can`` of the permission layer or one of its
    functions as ``policies.<name>`` (read from the syntax tree: a docstring or comment that
    mentions ``require()`` does not count, nor does a local function of the same name)."""
    func = inspect.unwrap(func)
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        if isinstance(callee, ast.Name) and callee.id in PERMISSION_FUNCTIONS:
            found = getattr(func.__globals__.get(callee.id), "__module__", None)
            if callee.id in PERMISSION_CHECKS.get(found, ()):
                return True
        elif isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name):
            found = getattr(func.__globals__.get(callee.value.id), "__name__", None)
            if found == PERMISSION_MODULE or callee.attr in PERMISSION_CHECKS.get(found, ()):
                return True
    return False


def actor_services(module: ModuleType) -> Iterator[tuple[str, Callable]]:
    """The public functions defined in ``module`` that take an ``actor``."""
    for name, func in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(func):
            continue
        if inspect.unwrap(func).__module__ != module.__name__ or not _takes_actor(func):
            continue
        yield name, func


def unchecked_services(module: ModuleType) -> list[str]:
    """``module.name`` of each public actor-taking function that neither checks nor is internal."""
    return [
        f"{module.__name__}.{name}"
        for name, func in actor_services(module)
        if not internal_reason(func) and not _checks_permission(func)
    ]


def _project_apps():
    base = Path(settings.BASE_DIR).resolve()
    # The project's apps sit at the top of the repository; installed libraries (a virtualenv
    # inside the checkout included) do not.
    return [config for config in apps.get_app_configs() if Path(config.path).resolve().parent == base]


def actor_modules() -> list[ModuleType]:
    """Every module of every project app (packages walked), but tests, migrations and commands.

    Management commands take their actor from the command line and hand it to a function here,
    which is what is checked.
    """
    skipped = {"tests", "migrations", "management"}
    modules = []
    packages = [importlib.import_module(config.name) for config in _project_apps()]
    while packages:
        package = packages.pop(0)
        modules.append(package)
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{package.__name__}."):
            if info.name.rsplit(".", 1)[1] in skipped:
                continue  # never imported: test packages may need what a server lacks
            module = importlib.import_module(info.name)
            if info.ispkg:
                packages.append(module)
            else:
                modules.append(module)
    return modules


def service_modules() -> list[ModuleType]:
    """Every project app's ``services`` module, and each module of a ``services`` package."""
    modules = []
    for config in _project_apps():
        try:
            services = importlib.import_module(f"{config.name}.services")
        except ModuleNotFoundError as exc:
            if exc.name == f"{config.name}.services":
                continue
            raise
        modules.append(services)
        if hasattr(services, "__path__"):
            for info in pkgutil.iter_modules(services.__path__, prefix=f"{services.__name__}."):
                modules.append(importlib.import_module(info.name))
    return modules
