"""Services that take an ``actor`` check it: the rule, and what the test uses to enforce it.

Every public function in an app's ``services.py`` (or ``services/`` package) that takes an
``actor`` parameter calls the permission layer itself: ``require(...)`` or ``can(...)`` of
``organisations.policies``, or ``policies.<name>`` of that module (the names must resolve to that
module, not to look-alikes). Services do not trust their callers.

A service whose actor is only recorded, not checked (a helper that checked services call, the
portal acting on its own from a command or task, an app below the permission layer) says so with
``@internal("reason")``; the reason is reviewed like code. ``core/tests/test_service_checks.py``
runs ``unchecked_services`` over ``service_modules()`` and fails on a function that does neither.
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

#: The permission layer's checks a service may call by name.
PERMISSION_FUNCTIONS = ("require", "can")
#: The module that holds the permission layer (named, not imported: core imports no domain app).
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
        elif isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name):
            found = getattr(func.__globals__.get(callee.value.id), "__name__", None)
        else:
            continue
        if found == PERMISSION_MODULE:
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


def service_modules() -> list[ModuleType]:
    """Every project app's ``services`` module, and each module of a ``services`` package."""
    base = Path(settings.BASE_DIR).resolve()
    modules = []
    for config in apps.get_app_configs():
        if base not in Path(config.path).resolve().parents:
            continue  # third-party apps
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
