"""Every service that takes an ``actor`` calls the permission layer or says why not (core/service_checks.py)."""

import importlib.util
import sys
import textwrap

import pytest

from core.service_checks import (
    actor_modules,
    actor_services,
    internal,
    internal_reason,
    service_modules,
    unchecked_services,
)


def test_every_actor_service_checks_permission_or_is_marked_internal():
    unchecked = [name for module in actor_modules() for name in unchecked_services(module)]
    assert unchecked == [], (
        "These services take an actor but call neither require()/can() of organisations.policies nor "
        "carry @internal('reason') (core/service_checks.py): " + ", ".join(unchecked)
    )


def test_the_enumeration_reaches_every_app_and_package_module():
    modules = {module.__name__ for module in service_modules()}
    assert {"accounts.services", "organisations.services", "privacy.services"} <= modules
    # Packages are walked: the brochure and mission services live in sub-modules.
    packaged = {"brochures.services.versions", "brochures.services.renditions", "missions.services.registrations"}
    assert packaged <= modules
    found = {f"{m.__name__}.{name}" for m in service_modules() for name, _ in actor_services(m)}
    assert {
        "organisations.services.invitation_create",
        "brochures.services.renditions.rendition_retry",
        "brochures.services.versions.brochure_version_publish",
        "missions.services.registrations.registration_sign",
    } <= found
    assert len(found) > 40


def test_the_check_reaches_beyond_services_modules_to_every_module_of_every_app():
    modules = {module.__name__ for module in actor_modules()}
    assert {module.__name__ for module in service_modules()} <= modules
    # The system paths beside the services: checkpoints, releases, generated brochures, the second factor.
    assert {
        "declarations.checkpoints",
        "dashboard.releases",
        "brochures.mission_pack",
        "brochures.instrument_pack",
        "accounts.mfa",
    } <= modules
    # Tests, migrations and management commands are not walked (nor imported).
    assert not [name for name in modules if {"tests", "migrations", "management"} & set(name.split("."))]
    # Only the project's apps: no installed library, wherever its virtualenv lives.
    assert all(
        name.split(".")[0] not in {"django", "rest_framework", "oauth2_provider", "django_otp"} for name in modules
    )
    found = {f"{m.__name__}.{name}" for m in actor_modules() for name, _ in actor_services(m)}
    assert {"accounts.mfa.mfa_reset", "brochures.mission_pack.mission_pack_publish"} <= found


def test_an_operator_check_in_accounts_counts_and_a_look_alike_does_not(tmp_path):
    module = _fake_module(
        tmp_path,
        "fake_accounts_module",
        """
        from accounts import roles
        from accounts.roles import require_operator


        def require_operator_lookalike(user):
            return None


        def reset_by_name(*, user, actor):
            require_operator(actor)


        def reset_by_module(*, user, actor):
            roles.require_operator(actor)


        def reset_by_lookalike(*, user, actor):
            require_operator_lookalike(actor)


        def reset_by_other_role_function(*, user, actor):
            roles.is_privileged(actor)
        """,
    )
    assert sorted(unchecked_services(module)) == [
        "fake_accounts_module.reset_by_lookalike",
        "fake_accounts_module.reset_by_other_role_function",
    ]


def test_internal_services_give_a_reason():
    marked = [
        (f"{m.__name__}.{name}", internal_reason(func))
        for m in service_modules()
        for name, func in actor_services(m)
        if internal_reason(func)
    ]
    assert marked, "no service is marked internal: the marker is not being read"
    assert all(len(reason) >= 10 for _, reason in marked)


def _fake_module(tmp_path, name: str, source: str):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def test_a_service_without_a_check_fails_the_test(tmp_path):
    module = _fake_module(
        tmp_path,
        "fake_services_unchecked",
        '''
        from organisations.policies import require
        from organisations.services import invitation_create  # imported: not this module's service


        def widget_delete(*, widget, actor):
            """Delete a widget. Staff only: callers must require() mission.manage."""
            # require(actor, "mission.manage")  -- a comment is not a call
            widget.delete()


        def widget_checked(*, widget, actor):
            require(actor, "mission.manage")
            widget.delete()


        def widget_count(*, widgets):  # no actor: not a service this rule is about
            return len(widgets)


        def _widget_helper(*, actor):  # private
            return actor
        ''',
    )
    assert unchecked_services(module) == ["fake_services_unchecked.widget_delete"]
    # The real test collects exactly this kind of finding into its failure message.
    with pytest.raises(AssertionError, match="widget_delete"):
        assert unchecked_services(module) == [], "unchecked: " + ", ".join(unchecked_services(module))


def test_a_look_alike_require_does_not_count(tmp_path):
    module = _fake_module(
        tmp_path,
        "fake_services_lookalike",
        """
        class policies:
            @staticmethod
            def require(user, action, obj=None):
                return None


        def require(user, action, obj=None):
            return None


        def widget_delete(*, widget, actor):
            require(actor, "mission.manage")
            widget.delete()


        def widget_hide(*, widget, actor):
            policies.require(actor, "mission.manage")
            widget.hide()
        """,
    )
    assert unchecked_services(module) == [
        "fake_services_lookalike.widget_delete",
        "fake_services_lookalike.widget_hide",
    ]


def test_the_policies_module_and_can_count_and_internal_exempts(tmp_path):
    module = _fake_module(
        tmp_path,
        "fake_services_checked",
        """
        from core.service_checks import internal
        from organisations import policies
        from organisations.policies import can


        def widget_hide(*, widget, actor):
            policies.require(actor, "mission.manage")


        def widget_show(*, widget, actor):
            if not can(actor, "mission.manage"):
                raise PermissionError


        @internal("Helper of widget_hide, which checked the actor.")
        def widget_mark(*, widget, actor):
            widget.mark()
        """,
    )
    assert unchecked_services(module) == []
    assert internal_reason(module.widget_mark) == "Helper of widget_hide, which checked the actor."


@pytest.mark.parametrize("reason", ["", "   ", "because", None])
def test_internal_needs_a_real_reason(reason):
    with pytest.raises(ValueError):
        internal(reason)


# --- The services that gained a check refuse an outsider (and still serve the portal itself) -----


@pytest.mark.django_db
def test_newly_checked_services_refuse_an_outsider_and_serve_the_portal_itself():
    from brochures.services import brochure_text_publish
    from brochures.tests.factories import published_brochure, text
    from missions.services import waitlist_promote_available
    from missions.tests.factories import MissionFactory
    from organisations.policies import NotAllowed
    from organisations.services import organisation_create
    from tests.factories import OrganisationFactory, UserFactory, member_of

    outsider = member_of(OrganisationFactory())
    brochure, _version = published_brochure()
    with pytest.raises(NotAllowed):
        brochure_text_publish(brochure=brochure, language="nl", text=text(title="Anders"), actor=outsider)
    assert brochure_text_publish(brochure=brochure, language="nl", text=text(title="Anders"), actor=None).number == 2

    mission = MissionFactory()
    with pytest.raises(NotAllowed):
        waitlist_promote_available(mission=mission, actor=outsider)
    assert waitlist_promote_available(mission=mission, actor=None) == []

    data = {"name": "Nieuw B.V.", "kvk_number": "55555555", "kind": "company", "sector": "C", "city": "Ede"}
    with pytest.raises(NotAllowed):  # a deactivated account creates nothing
        organisation_create(actor=UserFactory(is_active=False), data=data)
    assert organisation_create(actor=UserFactory(), data=data).kvk_number == "55555555"
