"""The audit trail as staff read it: translated labels for event codes, the objects as readable
links, and the details as a list of labelled values (never a Python dict).

The codes themselves stay in the trail (and in the filter, which searches by code prefix);
``tests`` check that every code the portal records has a label here.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from audit.services import actor_display, personal_part_verified, personal_unverified

from .subject_pages import staff_subject_url

ACTION_LABELS = {
    # accounts and security
    "account.update": _("Account details changed"),
    "account.delete_requested": _("Account deletion requested"),
    "account.delete": _("Account deleted"),
    # the audit trail itself
    "audit.chain_start": _("Audit trail chain started (earlier events anchored)"),
    "audit.personal_erase": _("Personal data in the audit trail erased"),
    "auth.oidc_link": _("Logged in with eHerkenning"),
    "auth.oidc_refused": _("eHerkenning login refused"),
    "authority.session_grant": _("Authority from eHerkenning recorded"),
    "auth.confirmation_link_refused": _("Confirmation link refused"),
    "auth.email_confirmed": _("E-mail address confirmed"),
    "auth.lockout": _("Login locked after failed attempts"),
    "auth.login": _("Logged in"),
    "auth.login_failed": _("Login failed"),
    "auth.logout": _("Logged out"),
    "auth.mfa_disabled": _("Two-step verification switched off"),
    "auth.mfa_enrolled": _("Two-step verification switched on"),
    "dashboard.release_published": _("Release of the ministry's figures published"),
    "auth.mfa_enrol_refused": _("Two-step verification set-up refused (already set up in another session)"),
    "auth.mfa_failures_notified": _("Owner told of repeated wrong codes"),
    "auth.passkey_added": _("Passkey added"),
    "auth.reauth": _("Identity confirmed for a sensitive change"),
    "auth.reauth_failed": _("Identity confirmation failed"),
    "auth.reauth_factor": _("Passkey used to confirm identity"),
    "auth.mfa_failed": _("Wrong two-step verification code"),
    "auth.mfa_recovery_code_used": _("Recovery code used"),
    "auth.mfa_recovery_codes_regenerated": _("New recovery codes made"),
    "auth.mfa_reset": _("Two-step verification reset"),
    "auth.mfa_throttled": _("Two-step verification slowed down after wrong codes"),
    "auth.mfa_verified": _("Two-step verification passed"),
    "auth.password_change": _("Password changed"),
    "auth.password_reset": _("Password reset"),
    "auth.password_reset_requested": _("Password reset requested"),
    "auth.session_expired": _("Session ended"),
    "auth.signup": _("Account created"),
    "auth.signup_existing": _("Sign-up with an existing address"),
    "security.rate_limited": _("Too many requests refused"),
    # organisations
    "organisation.create": _("Organisation registered"),
    "organisation.update": _("Organisation profile changed"),
    "membership.invite": _("Colleague invited"),
    "membership.join": _("Invitation accepted"),
    "membership.remove": _("Member removed"),
    "membership.update": _("Member's role changed"),
    "membership.link": _("Member linked through eHerkenning"),
    "membership.demote": _("Member's role taken back when the KvK number was proven"),
    "organisation.verify": _("Organisation verified (KvK number proven)"),
    # missions and registrations
    "mission.create": _("Mission created"),
    "mission.update": _("Mission changed"),
    "mission.publish": _("Mission published"),
    "mission.close": _("Mission registration closed"),
    "mission.complete": _("Mission marked as completed"),
    "mission.cancel": _("Mission cancelled"),
    "registration.start": _("Registration started"),
    "registration.submit": _("Registration submitted"),
    "registration.confirm": _("Registration confirmed"),
    "registration.waitlist": _("Registration put on the waiting list"),
    "registration.promote": _("Registration moved up from the waiting list"),
    "registration.hold": _("Registration held for review"),
    "registration.reject": _("Registration rejected"),
    "registration.withdraw": _("Registration withdrawn"),
    "registration.cancel": _("Registration cancelled with the mission"),
    "registration.imvo_brochure_open": _("IMVO brochure opened from the registration"),
    # declarations
    "declaration.endorsed": _("Declaration endorsed"),
    "declaration.not_endorsed": _("Declaration not endorsed"),
    "declaration.withdrawn": _("Declaration withdrawn"),
    "declaration.personal_data_erase": _("Signatory's personal data erased"),
    "declaration.receipt_retry": _("Receipt prepared again"),
    "declaration.receipt_file_lost": _("Receipt file missing from storage; made again"),
    "declaration_text.publish": _("Declaration text published"),
    "declaration.verify": _("Declaration checked on the verification page"),
    "declaration.right_text_invite": _("Signatories invited to sign the right declaration text"),
    "privacy.retention_erase": _("Personal data erased after the retention period"),
    "declaration_checkpoint.write": _("Declaration checkpoint written"),
    "declaration_checkpoint.timestamp": _("Declaration checkpoint timestamped by the time-stamping authority"),
    "declaration.checkpoint_copy_retry": _("Checkpoint copy written again"),
    "declaration_chain.restore": _("Database restored from a backup (what it lost is recorded)"),
    # the API and the Django admin
    "api_client.create": _("API client created"),
    "api_client.rotate": _("API client given a new secret"),
    "api_client.revoke": _("API client revoked"),
    "api.registration.confirm": _("Registration confirmed by an API client"),
    "api.registration.promote": _("Registration promoted from the waiting list by an API client"),
    "api.registration.reject": _("Registration rejected by an API client"),
    "api.session.attendance": _("Attendance recorded by an API client"),
    "admin.addition": _("Added in the Django admin"),
    "admin.change": _("Changed in the Django admin"),
    "admin.deletion": _("Deleted in the Django admin"),
    # brochures
    "brochure.draft_create": _("Brochure draft started"),
    "brochure.rendition_file_lost": _("Brochure PDF missing from storage; made again"),
    "brochure.draft_update": _("Brochure draft saved"),
    "brochure.publish": _("Brochure published"),
    "brochure.rendition_retry": _("Brochure PDF made again"),
    # instruments and the IMVO framework
    "instrument.create": _("Instrument created"),
    "instrument.import": _("Instruments imported"),
    "instrument.demo_seed": _("Demo instruments loaded"),
    "instrument.assess": _("Instrument assessed"),
    "instrument.level_publish": _("IMVO level published"),
    "instrument.phase_create": _("Roll-out phase added"),
    "instrument.application_start": _("Application for an instrument started"),
    "instrument.read_confirm": _("Reading of the IMVO brochure confirmed"),
    "instrument.self_assessment": _("Self-assessment submitted"),
    "instrument.follow_up": _("IMVO follow-up opened"),
    "instrument.follow_up_resolve": _("IMVO follow-up resolved"),
    "instrument.signature_request": _("Signatories asked to sign for an application"),
    # back-office
    "session.create": _("Preparation session planned"),
    "session.update": _("Preparation session changed"),
    "session.agenda": _("Agenda item ticked off"),
    "session.agenda_add": _("Agenda item added"),
    "session.agenda_remove": _("Agenda item removed"),
    "session.attendance": _("Attendance recorded"),
    "session.invite": _("Invitations sent"),
    "session.reminder": _("Reminders sent"),
    "followup.create": _("Follow-up action added"),
    "followup.update": _("Follow-up action changed"),
    "mail.resend": _("E-mail sent again"),
    "export.download": _("Export downloaded"),
    # webhooks (the webhooks app, above staff: only its codes are named here)
    "webhook.endpoint_create": _("Webhook endpoint created"),
    "webhook.endpoint_update": _("Webhook endpoint changed"),
    "webhook.endpoint_disable": _("Webhook endpoint disabled"),
    "webhook.secret_rotate": _("Webhook signing secret replaced"),
    "webhook.delivery_resend": _("Webhook event sent again"),
}

#: Labels of detail keys that read badly as they are; others are shown with their first letter up.
DETAIL_LABELS = {
    "ip": _("IP address"),
    "sha256": _("SHA-256"),
    "kvk_number": _("KvK number"),
    "username": _("User name"),
    "reason": _("Reason"),
    "reason_text": _("Reason"),
    "status": _("Status"),
    "from": _("From"),
    "to": _("To"),
    "version": _("Version"),
    "language": _("Language"),
    "outcome": _("Outcome"),
    "retry_after": _("Retry after (seconds)"),
    "previous_error": _("Previous error"),
    "fields": _("Fields"),
    "changed": _("Changed"),
    "format": _("Format"),
    "kind": _("Kind"),
    "count": _("Number"),
    "method": _("Method"),
    "demoted": _("Demoted"),
    "invitations_withdrawn": _("Invitations withdrawn"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def detail_items(details) -> list[tuple[str, str]]:
    """``{"reason": "…", "fields": ["a", "b"]}`` → ``[("Reden", "…"), ("Velden", "a, b")]``."""
    if not isinstance(details, dict):
        return [("", _value(details))] if details not in (None, "", [], {}) else []
    return [(_detail_label(key), _value(value)) for key, value in details.items()]


def _detail_label(key) -> str:
    return str(DETAIL_LABELS.get(key, capfirst(str(key).replace("_", " "))))


def _value(value) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if value is None or value == "":
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{capfirst(str(k).replace('_', ' '))}: {_value(v)}" for k, v in value.items()) or "–"
    return str(value)


@dataclass(frozen=True)
class ObjectRef:
    label: str
    url: str = ""


def _url(name: str, *args) -> str:
    return reverse(name, args=args) if all(a is not None for a in args) else ""


# How each kind of object is loaded (select_related) and where staff look at it.
#: Object types whose model moved to another app; their earlier events keep the old label (the chain).
_MOVED_MODELS = {"staff.attendance": "missions.attendance"}

_OBJECT_VIEWS = {
    "missions.mission": ((), lambda o: _url("staff:mission_detail", o.pk)),
    "missions.registration": (("organisation", "mission"), lambda o: _url("staff:registration_detail", o.pk)),
    "missions.preparationsession": ((), lambda o: _url("staff:session_detail", o.pk)),
    "staff.followupaction": ((), lambda o: _url("staff:follow_up_edit", o.pk)),
    "staff.agendaitem": ((), lambda o: _url("staff:session_detail", o.session_id)),
    "missions.attendance": (("participant",), lambda o: _url("staff:session_detail", o.session_id)),
    "declarations.declaration": ((), staff_subject_url),
    "brochures.brochureversion": (
        ("brochure__mission", "brochure__instrument"),
        lambda o: _url("brochures:preview", o.pk),
    ),
    "brochures.rendition": (
        ("version__brochure__mission", "version__brochure__instrument"),
        lambda o: _url("brochures:preview", o.version_id),
    ),
    "brochures.brochure": (("mission", "instrument"), lambda o: _url("brochures:manage")),
    "notifications.outboxmessage": ((), lambda o: _url("staff:mail_list")),
    "organisations.organisation": ((), lambda o: _url("staff:organisation_detail", o.pk)),
    "organisations.membership": (("user", "organisation"), lambda o: ""),
}


def _object_text(object_type: str, obj) -> str:
    if object_type == "brochures.rendition":
        return str(_("PDF of %(version)s") % {"version": obj.version.label})
    if object_type == "notifications.outboxmessage":
        return obj.subject  # not the recipients' addresses
    return str(obj)


def object_references(events) -> dict[tuple[str, str], ObjectRef]:
    """Readable names and staff links for the objects of ``events``: one query per kind of object."""
    wanted = defaultdict(set)
    for event in events:
        if event.object_type and event.object_id:
            wanted[event.object_type].add(event.object_id)
    refs = {}
    for object_type, ids in wanted.items():
        try:
            model = apps.get_model(_MOVED_MODELS.get(object_type, object_type))
        except (LookupError, ValueError):
            continue
        related, url_of = _OBJECT_VIEWS.get(_MOVED_MODELS.get(object_type, object_type), ((), lambda o: ""))
        kind = capfirst(model._meta.verbose_name)
        try:
            found = model._default_manager.select_related(*related).in_bulk([int(i) for i in ids if i.isdigit()])
        except (ValueError, TypeError):
            found = {}
        for object_id in ids:
            obj = found.get(int(object_id)) if object_id.isdigit() else None
            if obj is None:
                gone = _("%(kind)s #%(id)s (no longer exists)") % {"kind": kind, "id": object_id}
                refs[(object_type, object_id)] = ObjectRef(str(gone))
            else:
                refs[(object_type, object_id)] = ObjectRef(f"{kind}: {_object_text(object_type, obj)}", url_of(obj))
    return refs


def decorate(events) -> None:
    """Give each event ``action_label``, ``object_ref``, ``detail_items`` and its personal part
    (``who``, ``ip_address``, ``user_agent``, ``personal_erased``) for the template.

    The personal part shows while it exists and verifies; once retention or an account deletion
    erased it, the actor reads ``user#<id>`` and the page says the personal data were erased. A part
    that does not verify is never shown: the actor reads ``user#<id>``, marked unverified.
    """
    refs = object_references(events)
    for event in events:
        # Only a personal part that matches its event's keyed commitment is shown as fact; any other
        # (changed after the fact, or from before the audit chain) is withheld and marked.
        personal = personal_part_verified(event)
        event.who = actor_display(event)
        event.personal_unverified = personal_unverified(event)
        event.personal_erased = personal is not None and personal.is_erased
        event.ip_address = personal.ip_address if personal is not None else None
        event.user_agent = personal.user_agent if personal is not None else ""
        event.action_label = action_label(event.action)
        event.object_ref = refs.get((event.object_type, event.object_id))
        if event.object_ref is None and event.object_type:
            event.object_ref = ObjectRef(f"{event.object_type} #{event.object_id}")
        personal_details = personal.details if personal is not None and isinstance(personal.details, dict) else {}
        shown = {**event.details, **personal_details} if isinstance(event.details, dict) else event.details
        event.detail_items = detail_items(shown)
