# ruff: noqa: E501  (content: long sentences in both languages)
"""The online IMVO brochure of an EZK instrument: the general IMVO brochure plus a tailored part.

The tailored part follows from the instrument's kind, sectors (SBI) and countries: the sector
risks and due-diligence steps that matter most, which IMVO conditions apply and from when, and
the help the government offers. The texts below are content (like ``content/*.md``), written in
both languages. Publishing is skipped when nothing changed (same content hash), so refreshing
every instrument is cheap and only changed content is rendered again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import formats, translation
from django_countries import countries as country_names

from core.i18n import localised
from instruments.conditions import conditions_asked
from instruments.models import Instrument
from instruments.rules import LOWER_RISK_COUNTRIES
from organisations.constants import Sector
from organisations.policies import require

from .constants import IMVO_SLUG, INSTRUMENT_PREFIX, BrochureKind, VersionStatus
from .content import BrochureText, Section, load_bundled
from .models import Brochure, BrochureVersion
from .services import brochure_get_or_create, brochure_text_publish, rendition_request

logger = logging.getLogger(__name__)

LANGUAGES = ("nl", "en")

T = {
    "nl": {
        "title": "IMVO-informatie: %s",
        "summary": (
            "Wat internationaal maatschappelijk verantwoord ondernemen (IMVO) betekent voor wie %s gebruikt: "
            "de risico's in uw sector en keten, de stappen van gepaste zorgvuldigheid die het meest tellen, "
            "de IMVO-voorwaarden van dit instrument en de hulp die de overheid biedt."
        ),
        "about": "Over dit instrument en IMVO",
        "sectors": "Risico's in uw sector",
        "no_sector": (
            "Dit instrument staat open voor alle sectoren. Kijk met de MVO Risico Checker welke risico's in "
            "uw eigen sector en keten het grootst zijn."
        ),
        "countries": "Landen",
        "countries_intro": "De steun wordt gebruikt in of voor:",
        "higher": "let extra op: buiten de EU en vergelijkbare OESO-landen zijn de risico's vaak groter",
        "steps": "De stappen die voor dit instrument het meest tellen",
        "conditions": "Welke IMVO-voorwaarden gelden",
        "level0": (
            "Voor dit instrument geldt niveau 0: alleen informatie. U hoeft niets te ondertekenen; deze "
            "brochure helpt u op weg."
        ),
        "level_from": "Vanaf %(date)s geldt niveau %(level)s: %(label)s.",
        "until": "Tot die datum geldt alleen informatie (niveau 0).",
        "no_knockout": (
            "Geen enkele voorwaarde leidt tot afwijzing van uw aanvraag. Schiet een antwoord tekort, dan krijgt "
            "u begeleiding en neemt RVO contact met u op."
        ),
        "help": "Hulp van de overheid",
        "help_body": (
            "- **MVO Risico Checker**: risico's per land, sector en product, met maatregelen.\n"
            "- **Grondstoffenscanner**: risico's van de grondstoffen in uw producten.\n"
            "- **IMVO-loket van RVO**: vragen over IMVO bij EZK-instrumenten.\n"
            "- **Nationaal Contactpunt OESO-richtlijnen (NCP)**: bemiddeling bij meldingen.\n"
            "- **Ambassades en Netherlands Business Support Offices**: informatie over de lokale situatie."
        ),
    },
    "en": {
        "title": "IMVO information: %s",
        "summary": (
            "What international responsible business conduct (IMVO) means for users of %s: the risks in your "
            "sector and chain, the due-diligence steps that matter most, this instrument's IMVO conditions "
            "and the help the government offers."
        ),
        "about": "About this instrument and IMVO",
        "sectors": "Risks in your sector",
        "no_sector": (
            "This instrument is open to all sectors. Use the MVO Risico Checker to see which risks are "
            "greatest in your own sector and chain."
        ),
        "countries": "Countries",
        "countries_intro": "The support is used in or for:",
        "higher": "take extra care: outside the EU and comparable OECD countries risks are often higher",
        "steps": "The steps that matter most for this instrument",
        "conditions": "Which IMVO conditions apply",
        "level0": (
            "Level 0 applies to this instrument: information only. You do not need to sign anything; this "
            "brochure helps you on your way."
        ),
        "level_from": "From %(date)s level %(level)s applies: %(label)s.",
        "until": "Until then, information only (level 0) applies.",
        "no_knockout": (
            "No condition ever leads to your application being refused. If an answer falls short, you get "
            "guidance and RVO contacts you."
        ),
        "help": "Help from the government",
        "help_body": (
            "- **MVO Risico Checker**: risks by country, sector and product, with measures.\n"
            "- **Raw-materials scanner**: risks of the raw materials in your products.\n"
            "- **RVO's IMVO desk**: questions about IMVO in EZK instruments.\n"
            "- **National Contact Point for the OECD Guidelines (NCP)**: mediation on notifications.\n"
            "- **Embassies and Netherlands Business Support Offices**: information on the local situation."
        ),
    },
}

KIND_TEXT = {
    "subsidy": {
        "nl": "Met een subsidie draagt de overheid bij aan uw project. De Algemene wet bestuursrecht vraagt dat elke voorwaarde past bij het doel van de regeling; IMVO-voorwaarden gaan daarom over de risico's van het gesteunde project en zijn keten.",
        "en": "With a subsidy the government contributes to your project. The General Administrative Law Act requires every condition to fit the scheme's purpose, so IMVO conditions concern the risks of the supported project and its chain.",
    },
    "loan": {
        "nl": "Een lening of krediet financiert uw onderneming of project over meerdere jaren. Juist over die looptijd kunnen risico's in uw keten veranderen: breng ze bij de start in kaart en houd ze bij.",
        "en": "A loan or credit finances your company or project over several years. Risks in your chain can change over that time: map them at the start and keep track of them.",
    },
    "tax": {
        "nl": "Een fiscale regeling verlaagt uw belasting voor een investering of activiteit. Ook dan geldt: weet waar de gekochte bedrijfsmiddelen en grondstoffen vandaan komen.",
        "en": "A tax scheme lowers your tax for an investment or activity. Here too: know where the assets and raw materials you buy come from.",
    },
    "guarantee": {
        "nl": "Met een garantie staat de overheid borg voor financiering of export. Bij internationale transacties zijn de risico's in het land van bestemming en bij de afnemer van belang.",
        "en": "With a guarantee the government backs financing or exports. In international transactions the risks in the country of destination and at the buyer matter.",
    },
    "advice": {
        "nl": "Advies en netwerken helpen u op weg. IMVO hoort daarbij: bespreek de risico's in uw keten met uw adviseur of netwerkpartners.",
        "en": "Advice and networks help you on your way. IMVO belongs to that: discuss the risks in your chain with your adviser or network partners.",
    },
    "mission": {
        "nl": "Op een handels- of innovatiemissie legt u contacten in het buitenland. Bereid u voor op de IMVO-risico's van het land en van mogelijke partners.",
        "en": "On a trade or innovation mission you make contacts abroad. Prepare for the IMVO risks of the country and of possible partners.",
    },
}

KIND_STEPS = {
    "subsidy": {
        "nl": [
            "Breng de risico's van het gesteunde project en zijn toeleveranciers in kaart.",
            "Leg vast welke maatregelen u neemt voor de grootste risico's.",
            "Rapporteer bij de eindverantwoording wat u hebt gedaan.",
        ],
        "en": [
            "Map the risks of the supported project and its suppliers.",
            "Record which measures you take for the greatest risks.",
            "Report what you did in the final account.",
        ],
    },
    "loan": {
        "nl": [
            "Neem IMVO op in uw beleid en in afspraken met leveranciers.",
            "Prioriteer risico's naar ernst en waarschijnlijkheid.",
            "Monitor de maatregelen gedurende de looptijd.",
        ],
        "en": [
            "Include IMVO in your policy and supplier agreements.",
            "Prioritise risks by severity and likelihood.",
            "Monitor the measures over the term of the loan.",
        ],
    },
    "tax": {
        "nl": [
            "Vraag leveranciers van de investering naar herkomst en arbeidsomstandigheden.",
            "Kies waar mogelijk gecertificeerde producten.",
            "Bewaar wat u hebt nagevraagd.",
        ],
        "en": [
            "Ask the suppliers of the investment about origin and working conditions.",
            "Choose certified products where possible.",
            "Keep a record of what you checked.",
        ],
    },
    "guarantee": {
        "nl": [
            "Onderzoek de afnemer en het land van bestemming.",
            "Let op mensenrechten- en corruptierisico's.",
            "Spreek met partners af hoe u problemen meldt en oplost.",
        ],
        "en": [
            "Screen the buyer and the country of destination.",
            "Pay attention to human-rights and corruption risks.",
            "Agree with partners how problems are reported and solved.",
        ],
    },
    "advice": {
        "nl": [
            "Bespreek IMVO in het adviestraject.",
            "Gebruik de MVO Risico Checker voor een eerste beeld.",
            "Kies één risico om als eerste aan te pakken.",
        ],
        "en": [
            "Discuss IMVO in the advice process.",
            "Use the MVO Risico Checker for a first picture.",
            "Pick one risk to tackle first.",
        ],
    },
    "mission": {
        "nl": [
            "Lees de landeninformatie van de ambassade.",
            "Toets mogelijke partners voordat u afspraken maakt.",
            "Neem de IMVO-onderwerpen van de voorbereidende sessies mee.",
        ],
        "en": [
            "Read the embassy's country information.",
            "Screen possible partners before you make agreements.",
            "Take the IMVO topics of the preparation sessions with you.",
        ],
    },
}

SECTOR_RISKS = {
    "A": {
        "nl": "landrechten, water, kinderarbeid en ontbossing in de keten",
        "en": "land rights, water, child labour and deforestation in the chain",
    },
    "B": {
        "nl": "conflictmineralen, veiligheid van mijnwerkers en milieuschade",
        "en": "conflict minerals, miners' safety and environmental damage",
    },
    "C": {
        "nl": "arbeidsomstandigheden bij toeleveranciers en de herkomst van metalen en grondstoffen",
        "en": "working conditions at suppliers and the origin of metals and raw materials",
    },
    "D": {
        "nl": "grondstoffen voor wind, zon en batterijen, en landgebruik",
        "en": "raw materials for wind, solar and batteries, and land use",
    },
    "E": {"nl": "export van afval en veiligheid bij verwerking", "en": "waste exports and safety in processing"},
    "F": {
        "nl": "natuursteen, hout, arbeidsmigranten en veiligheid op de bouwplaats",
        "en": "natural stone, timber, migrant workers and site safety",
    },
    "G": {"nl": "lange, onoverzichtelijke handelsketens", "en": "long, opaque trade chains"},
    "H": {
        "nl": "arbeidsomstandigheden op zee en in de logistiek, uitstoot",
        "en": "working conditions at sea and in logistics, emissions",
    },
    "J": {
        "nl": "de herkomst van hardware, privacy en misbruik van technologie",
        "en": "the origin of hardware, privacy and misuse of technology",
    },
    "K": {"nl": "wat er met de financiering gebeurt", "en": "what the financing is used for"},
}
DEFAULT_SECTOR_RISK = {
    "nl": "de herkomst van ingekochte producten en de arbeidsomstandigheden in de keten",
    "en": "the origin of purchased products and the working conditions in the chain",
}


#: How many chapters of the general IMVO brochure each instrument brochure carries: the core
#: (what IMVO is, the OECD Guidelines, due diligence in six steps, prioritising).
#: Risks by country and sector and the help are in the tailored part, and the missions' chapters do not apply.
GENERAL_CHAPTERS = 4


@dataclass
class GeneralBrochure:
    """The core chapters of the general IMVO brochure per language, read once per batch."""

    sections: dict[str, list[Section]] = field(default_factory=dict)

    def of(self, language: str) -> list[Section]:
        if language not in self.sections:
            version = (
                BrochureVersion.objects.filter(
                    brochure__slug=IMVO_SLUG, language=language, status=VersionStatus.PUBLISHED
                )
                .order_by("-number")
                .first()
            )
            if version is not None:
                found = [Section(title=s.title, body=s.body) for s in version.sections.order_by("position")]
            else:
                found = list(load_bundled("imvo", language).sections)
            found = [s for s in found if "missie" not in s.title.lower() and "mission" not in s.title.lower()]
            self.sections[language] = found[:GENERAL_CHAPTERS]
        return self.sections[language]


def instrument_imvo_text(
    *, instrument: Instrument, language: str, general: GeneralBrochure | None = None
) -> BrochureText:
    general = general or GeneralBrochure()
    t = T[language]
    name = localised(instrument, "name", language)
    sections = [
        Section(
            title=t["about"],
            body=localised(instrument, "summary", language).strip() + "\n\n" + KIND_TEXT[instrument.kind][language],
        )
    ]
    sector_lines = []
    with translation.override(language):
        labels = dict(Sector.choices)
        for code in instrument.sector_list:
            risk = SECTOR_RISKS.get(code, DEFAULT_SECTOR_RISK)[language]
            sector_lines.append(f"- **{labels.get(code, code)}**: {risk}")
        sections.append(Section(title=t["sectors"], body="\n".join(sector_lines) or t["no_sector"]))
        if instrument.country_list:
            lines = [t["countries_intro"], ""]
            for code in instrument.country_list:
                note = "" if code in LOWER_RISK_COUNTRIES else f" ({t['higher']})"
                lines.append(f"- {country_names.name(code) or code}{note}")
            sections.append(Section(title=t["countries"], body="\n".join(lines)))
        sections.append(
            Section(
                title=t["steps"],
                body="\n".join(f"{n}. {s}" for n, s in enumerate(KIND_STEPS[instrument.kind][language], 1)),
            )
        )
        level = instrument.published_level or 0
        if level and instrument.level_effective_from:
            date = formats.date_format(instrument.level_effective_from, "DATE_FORMAT")
            asked = conditions_asked(level)  # the instruments' one table, translated by the override above
            body = t["level_from"] % {"date": date, "level": level, "label": asked[-1].duty} + " " + t["until"]
            body += "\n\n" + "\n".join(f"- {c.duty}" for c in asked)
            body += "\n\n" + t["no_knockout"]
        else:
            body = t["level0"] + "\n\n" + t["no_knockout"]
        sections.append(Section(title=t["conditions"], body=body))
        sections.append(Section(title=t["help"], body=t["help_body"]))
    sections.extend(general.of(language))
    return BrochureText(title=t["title"] % name, summary=t["summary"] % name, sections=sections)


def instrument_brochure_slug(instrument: Instrument) -> str:
    return f"{INSTRUMENT_PREFIX}{instrument.slug}"[:120]


def instrument_brochure_publish(
    *, instrument: Instrument, actor=None, request_rendition: bool = True, general: GeneralBrochure | None = None
) -> Brochure:
    """Create or refresh the instrument's IMVO brochure in both languages (idempotent by content hash).

    ``actor=None``: the portal itself (a visitor's first view, the batch, demo data); a person
    needs ``brochure.manage``."""
    if actor is not None:
        require(actor, "brochure.manage")
    general = general or GeneralBrochure()
    with transaction.atomic():
        brochure = brochure_get_or_create(
            slug=instrument_brochure_slug(instrument), kind=BrochureKind.INSTRUMENT, position=500, instrument=instrument
        )
        if brochure.instrument_id != instrument.pk:  # the slug was taken over by a renamed instrument
            raise ValueError(f"brochure {brochure.slug} belongs to another instrument")
        for language in LANGUAGES:
            version = brochure_text_publish(
                brochure=brochure,
                language=language,
                text=instrument_imvo_text(instrument=instrument, language=language, general=general),
                actor=actor,
                request_rendition=request_rendition,
            )
            if request_rendition:
                rendition_request(version=version)  # unchanged content whose PDF is still missing
    return brochure


@dataclass
class BatchResult:
    published: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def instrument_brochures_publish_all(*, actor=None, request_rendition: bool = True, instruments=None) -> BatchResult:
    """Refresh every instrument's IMVO brochure; one failure is reported and never stops the rest.

    Each instrument runs in its own transaction; a new or changed content hash asks the worker for
    its PDF (on commit), unchanged content costs nothing. A person (``actor``) needs
    ``brochure.manage``, checked once before the batch starts.
    """
    if actor is not None:
        require(actor, "brochure.manage")
    result = BatchResult()
    general = GeneralBrochure()
    queryset = instruments if instruments is not None else Instrument.objects.order_by("code")
    for instrument in queryset.iterator(chunk_size=100):
        try:
            instrument_brochure_publish(
                instrument=instrument, actor=actor, request_rendition=request_rendition, general=general
            )
            result.published += 1
        except Exception as exc:  # noqa: BLE001 - reported per instrument; the batch goes on
            logger.exception("IMVO brochure of instrument %s failed", instrument.code)
            result.failed.append((instrument.code, f"{type(exc).__name__}: {exc}"[:300]))
    return result


def current_instrument_versions():
    """The latest published version of every instrument brochure in each language."""
    from django.db.models import OuterRef, Subquery

    latest = (
        BrochureVersion.objects.filter(
            brochure_id=OuterRef("brochure_id"), language=OuterRef("language"), status=VersionStatus.PUBLISHED
        )
        .order_by("-number")
        .values("pk")[:1]
    )
    return BrochureVersion.objects.filter(
        brochure__kind=BrochureKind.INSTRUMENT, status=VersionStatus.PUBLISHED, pk=Subquery(latest)
    )
