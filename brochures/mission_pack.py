"""The per-mission information pack, generated from the mission's own data.

Programme, preparation sessions and contact come from the mission; the IMVO chapter from the
current general innovation-missions brochure; the declaration from the current published text.
Publishing is skipped when nothing changed (same content hash), so regenerating is cheap.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.i18n import localised
from declarations.selectors import declaration_text_current
from declarations.subjects import text_for
from missions.subjects import mission_undertaking
from organisations.policies import require

from .constants import GENERAL_SLUG, MISSION_PACK_PREFIX, BrochureKind, VersionStatus
from .content import BrochureText, Section, load_bundled
from .models import Brochure, BrochureVersion
from .services import brochure_get_or_create, brochure_text_publish

LANGUAGES = ("nl", "en")


def _imvo_chapter(language: str) -> Section:
    """The IMVO chapter of the current general brochure (bundled text when none is published)."""
    version = (
        BrochureVersion.objects.filter(brochure__slug=GENERAL_SLUG, language=language, status=VersionStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )
    sections = list(version.sections.order_by("position")) if version else load_bundled("missions", language).sections
    for section in sections:
        if "IMVO" in section.title:
            return Section(title=section.title, body=section.body)
    return Section(title="IMVO", body=load_bundled("imvo", language).summary)


def _declaration_section(mission, language: str) -> Section | None:
    text = declaration_text_current(language=language)
    if text is None:
        return None
    body = text_for(text.body, mission_undertaking(mission), language=text.language)
    return Section(
        title=_("The declaration (version %(version)s)") % {"version": text.version},
        body=_("When you register, an authorised signatory of your organisation is asked to sign this text:")
        + "\n\n"
        + "\n".join(f"> {line}" if line.strip() else ">" for line in body.strip().splitlines()),
    )


def _when(session) -> str:
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    return f"{formats.date_format(start, 'DATE_FORMAT')}, {start:%H:%M}–{end:%H:%M}"


def mission_pack_text(*, mission, language: str) -> BrochureText:
    with translation.override(language):
        title = localised(mission, "title", language)
        city = localised(mission, "city", language)
        place = f"{city}, {mission.country.name}" if city else mission.country.name
        dates = _("%(start)s to %(end)s") % {
            "start": formats.date_format(mission.starts_on, "DATE_FORMAT"),
            "end": formats.date_format(mission.ends_on, "DATE_FORMAT"),
        }
        destination_label, dates_label = _("Destination"), _("Dates")
        about = "\n".join(
            [
                f"- **{destination_label}:** {place}",
                f"- **{dates_label}:** {dates}",
                "",
                localised(mission, "description", language).strip(),
            ]
        )
        sections = [Section(title=_("About this mission"), body=about)]
        programme = localised(mission, "programme", language)
        items = [line.strip() for line in programme.splitlines() if line.strip()]
        if items:
            sections.append(Section(title=_("Programme"), body="\n".join(f"- {item}" for item in items)))
        session_lines = []
        for session in mission.preparation_sessions.order_by("starts_at"):
            where = session.location or (_("online") if session.online_url else "")
            session_title = localised(session, "title", language)
            session_lines.append(f"- **{session_title}**: {_when(session)}" + (f" ({where})" if where else ""))
        sections.append(
            Section(
                title=_("Preparation sessions"),
                body=_(
                    "Participants prepare together. Every session covers the IMVO items: the OECD Guidelines and "
                    "due diligence, risks in the destination country, the MVO Risico Checker, the raw-materials "
                    "scanner and the National Contact Point."
                )
                + "\n\n"
                + ("\n".join(session_lines) if session_lines else _("The sessions will be announced soon.")),
            )
        )
        contact_lines = []
        lead = mission.lead_contact
        if lead is not None:
            lead_label = _("Mission lead at RVO")
            contact_lines.append(f"- {lead_label}: {lead.get_full_name()} ({lead.email})")
        desk_label = _("IMVO support desk")
        contact_lines.append(f"- {desk_label}: {settings.SUPPORT_EMAIL}")
        sections.append(Section(title=_("Contact"), body="\n".join(contact_lines)))
        sections.append(_imvo_chapter(language))
        declaration = _declaration_section(mission, language)
        if declaration is not None:
            sections.append(declaration)
        summary = _(
            "Information pack for participants of the innovation mission %(mission)s: programme, preparation, "
            "contact, responsible business conduct and the declaration."
        ) % {"mission": title}
        return BrochureText(
            title=_("Information pack: %(mission)s") % {"mission": title}, summary=summary, sections=sections
        )


def mission_pack_publish(*, mission, actor=None) -> Brochure:
    """Create or refresh the mission's information pack in both languages.

    ``actor=None``: the portal itself (demo data); a person needs ``brochure.manage``."""
    if actor is not None:
        require(actor, "brochure.manage")
    brochure = brochure_get_or_create(
        slug=f"{MISSION_PACK_PREFIX}{mission.slug}"[:120], kind=BrochureKind.MISSION_PACK, position=300, mission=mission
    )
    for language in LANGUAGES:
        brochure_text_publish(
            brochure=brochure,
            language=language,
            text=mission_pack_text(mission=mission, language=language),
            actor=actor,
        )
    return brochure
