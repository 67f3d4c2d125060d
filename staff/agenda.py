"""The agenda template of a preparation session.

The IMVO items are mandatory: they are put on every session's agenda, cannot be removed, and
are ticked off during the session. The other items are a sensible default staff may change.
"""

from dataclasses import dataclass

from .constants import ImvoTopic


@dataclass(frozen=True)
class AgendaTemplateItem:
    title_nl: str
    title_en: str
    description_nl: str
    description_en: str
    imvo_topic: str = ""

    @property
    def is_mandatory(self) -> bool:
        return bool(self.imvo_topic)


AGENDA_TEMPLATE: list[AgendaTemplateItem] = [
    AgendaTemplateItem(
        "Welkom en kennismaking",
        "Welcome and introductions",
        "Doel van de missie, de deelnemers en hun verwachtingen.",
        "Purpose of the mission, the participants and their expectations.",
    ),
    AgendaTemplateItem(
        "De OESO-richtlijnen en de IMVO-verklaring",
        "The OECD guidelines and the IMVO declaration",
        "Wat de OESO-richtlijnen voor multinationale ondernemingen vragen, voor de eigen vestigingen en de hele "
        "waardeketen, en wat uw organisatie met de verklaring bij de aanmelding onderschrijft.",
        "What the OECD Guidelines for Multinational Enterprises ask, for your own sites and the whole value chain, "
        "and what your organisation endorses with the declaration at registration.",
        ImvoTopic.OECD_GUIDELINES,
    ),
    AgendaTemplateItem(
        "De zes stappen van gepaste zorgvuldigheid (due diligence)",
        "The six steps of due diligence",
        "1. IMVO verankeren in beleid en managementsystemen; 2. risico's in de keten identificeren en beoordelen; "
        "3. negatieve gevolgen stoppen, voorkomen of beperken; 4. de uitvoering en resultaten monitoren; "
        "5. communiceren over hoe gevolgen worden aangepakt; 6. herstel bieden of daaraan meewerken. "
        "Prioriteer naar ernst en waarschijnlijkheid.",
        "1. Embed responsible business conduct in policies and management systems; 2. identify and assess risks in "
        "the chain; 3. cease, prevent or mitigate adverse impacts; 4. track implementation and results; "
        "5. communicate how impacts are addressed; 6. provide for or cooperate in remediation. "
        "Prioritise by severity and likelihood.",
        ImvoTopic.DUE_DILIGENCE,
    ),
    AgendaTemplateItem(
        "Risico's in het bestemmingsland en de sector (MVO Risico Checker)",
        "Risks in the destination country and sector (MVO Risico Checker)",
        "Samen de MVO Risico Checker doorlopen voor het land en de sectoren van de deelnemers: mensenrechten, "
        "arbeidsomstandigheden, milieu, corruptie, en grondstoffen (grondstoffenscanner).",
        "Walk through the MVO Risico Checker together for the country and the participants' sectors: human rights, "
        "labour conditions, environment, corruption, and raw materials (raw-materials scanner).",
        ImvoTopic.COUNTRY_RISKS,
    ),
    AgendaTemplateItem(
        "Het Nationaal Contactpunt (NCP) voor de OESO-richtlijnen",
        "The National Contact Point (NCP) for the OECD guidelines",
        "Wat het NCP doet, bij wie het meldingen behandelt en hoe het bemiddelt en adviseert.",
        "What the NCP does, which notifications it handles and how it mediates and advises.",
        ImvoTopic.NCP,
    ),
    AgendaTemplateItem(
        "Waar vindt u hulp?",
        "Where to get help",
        "Het IMVO-steunpunt van RVO, het online IMVO-brochure, sectorconvenanten en de Nederlandse vertaling van de "
        "OESO-handreiking voor gepaste zorgvuldigheid.",
        "RVO's IMVO support desk, the online IMVO brochure, sector covenants and the Dutch translation of the "
        "OECD Due Diligence Guidance.",
        ImvoTopic.HELP,
    ),
    AgendaTemplateItem(
        "Programma en praktische zaken",
        "Programme and practical matters",
        "Reis, verblijf, matchmaking en de verwachtingen van de gastpartijen.",
        "Travel, accommodation, matchmaking and what the host parties expect.",
    ),
    AgendaTemplateItem(
        "Vragen en afsluiting",
        "Questions and closing",
        "",
        "",
    ),
]

MANDATORY_TOPICS: list[str] = [item.imvo_topic for item in AGENDA_TEMPLATE if item.is_mandatory]
