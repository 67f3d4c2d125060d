"""Fictional demo data for EZK innovation missions.

The missions below are invented but plausible examples, used to fill the portal
with realistic content in development and demonstrations. Dates are expressed as
offsets in days from "today", so the data stays current whenever it is loaded.
Descriptions are Markdown (paragraphs separated by a blank line).
"""


def _paragraphs(*parts: str) -> str:
    """Join Markdown paragraphs with a blank line."""
    return "\n\n".join(parts)


DEMO_MISSIONS: list[dict] = [
    {
        "slug": "waterstof-japan",
        "title_nl": "Innovatiemissie waterstof en groene energie naar Japan",
        "title_en": "Innovation mission on hydrogen and green energy to Japan",
        "summary_nl": (
            "Verken samenwerking met Japanse onderzoeksinstituten en bedrijven op "
            "het gebied van waterstofproductie, -opslag en -import."
        ),
        "summary_en": (
            "Explore cooperation with Japanese research institutes and companies "
            "on hydrogen production, storage and imports."
        ),
        "description_nl": _paragraphs(
            "Japan en Nederland werken allebei aan een energiesysteem waarin "
            "waterstof een grote rol speelt, van elektrolyse en opslag tot import "
            "via zeehavens. Deze missie heeft als doel **pre-competitieve "
            "samenwerking** op te zetten tussen Nederlandse en Japanse partijen, "
            "bijvoorbeeld in gezamenlijke onderzoeksprojecten naar elektrolysers, "
            "brandstofcellen en de overslag van vloeibare waterstof.",
            "Het programma brengt u langs onderzoeksfaciliteiten in Tokio, Kawasaki "
            "en Fukushima, en langs de waterstofterminal in Kobe. Er zijn "
            "gezamenlijke seminars met Japanse overheidsorganisaties en ruimte "
            "voor matchmaking met universiteiten en bedrijven. De missie is "
            "bedoeld voor bedrijven en kennisinstellingen die werken aan "
            "elektrolyse, brandstofcellen, waterstofopslag, havenlogistiek of "
            "systeemintegratie.",
            "**IMVO-aandachtspunten.** Elektrolysers en brandstofcellen bevatten "
            "kritieke grondstoffen zoals platina, iridium en nikkel, waarvan de "
            "winning in een aantal landen gepaard gaat met risico's voor "
            "mijnwerkers, omwonenden en milieu. Ook in Japanse toeleveringsketens "
            "zijn de arbeidsomstandigheden van buitenlandse arbeidskrachten een "
            "bekend aandachtspunt. Bij import van waterstof of ammoniak uit derde "
            "landen spelen daarnaast waterverbruik, landgebruik en de werkelijke "
            "klimaatwinst een rol. De voorbereidingsbijeenkomsten gaan hier "
            "uitgebreid op in.",
        ),
        "description_en": _paragraphs(
            "Japan and the Netherlands are both building an energy system in "
            "which hydrogen plays a major role, from electrolysis and storage to "
            "imports through seaports. This mission aims to set up "
            "**pre-competitive cooperation** between Dutch and Japanese parties, "
            "for example in joint research projects on electrolysers, fuel cells "
            "and the handling of liquefied hydrogen.",
            "The programme takes you to research facilities in Tokyo, Kawasaki "
            "and Fukushima, and to the hydrogen terminal in Kobe. It includes "
            "joint seminars with Japanese government organisations and time for "
            "matchmaking with universities and companies. The mission is intended "
            "for companies and knowledge institutions working on electrolysis, "
            "fuel cells, hydrogen storage, port logistics or system integration.",
            "**IMVO points of attention.** Electrolysers and fuel cells contain "
            "critical raw materials such as platinum, iridium and nickel, whose "
            "extraction in several countries involves risks for miners, local "
            "communities and the environment. In Japanese supply chains, the "
            "working conditions of foreign workers are also a known concern. "
            "When hydrogen or ammonia is imported from third countries, water "
            "use, land use and the actual climate benefit also matter. The "
            "preparation sessions cover these topics in depth.",
        ),
        "country": "JP",
        "city_nl": "Tokio",
        "city_en": "Tokyo",
        "theme": "energy",
        "start_offset_days": 75,
        "duration_days": 6,
        "registration_opens_offset_days": -20,
        "registration_closes_offset_days": 40,
        "capacity_max": 15,
        "capacity_min": 5,
        "requires_declaration": True,
        "sessions": [
            {
                "offset_days": 48,
                "hour": 14,
                "duration_minutes": 180,
                "location": "RVO, Prinses Beatrixlaan 2, Den Haag",
                "online_url": "",
                "title_nl": "Voorbereidingsbijeenkomst: programma, Japan en IMVO",
                "title_en": "Preparation session: programme, Japan and IMVO",
            },
            {
                "offset_days": 66,
                "hour": 10,
                "duration_minutes": 90,
                "location": "",
                "online_url": "https://video.example.org/rvo-waterstof-japan",
                "title_nl": ("Online sessie: grondstoffen, ketenrisico's en praktische zaken"),
                "title_en": ("Online session: raw materials, chain risks and practical matters"),
            },
        ],
        "programme_nl": [
            (
                "Dag 1: Aankomst in Tokio, briefing door de Nederlandse ambassade en "
                "openingsseminar over het Japanse en Nederlandse waterstofbeleid."
            ),
            (
                "Dag 2: Kawasaki: bezoek aan een onderzoeksprogramma voor waterstof en "
                "aan bedrijven in het industriële waterstofcluster."
            ),
            (
                "Dag 3: Fukushima: bezoek aan een onderzoekscentrum voor hernieuwbare "
                "energie en een grootschalige elektrolyse-installatie."
            ),
            ("Dag 4: Tokio: rondetafel met universitaire laboratoria en matchmaking met Japanse bedrijven."),
            (
                "Dag 5: Kobe: bezoek aan de terminal voor vloeibare waterstof en "
                "gesprekken met bedrijven in de regio Kansai."
            ),
            "Dag 6: Individuele afspraken, evaluatie met de groep en terugreis.",
        ],
        "programme_en": [
            (
                "Day 1: Arrival in Tokyo, briefing by the Dutch embassy and opening "
                "seminar on Japanese and Dutch hydrogen policy."
            ),
            (
                "Day 2: Kawasaki: visit to a hydrogen research programme and to "
                "companies in the industrial hydrogen cluster."
            ),
            ("Day 3: Fukushima: visit to a renewable energy research centre and a large-scale electrolysis plant."),
            ("Day 4: Tokyo: round table with university laboratories and matchmaking with Japanese companies."),
            ("Day 5: Kobe: visit to the liquefied hydrogen terminal and meetings with companies in the Kansai region."),
            "Day 6: Individual meetings, group evaluation and return journey.",
        ],
    },
    {
        "slug": "circulair-textiel-india",
        "title_nl": "Innovatiemissie circulair textiel naar India",
        "title_en": "Innovation mission on circular textiles to India",
        "summary_nl": (
            "Werk met Indiase partners aan technologie voor het sorteren en "
            "recyclen van textiel en aan transparantie in de textielketen."
        ),
        "summary_en": (
            "Work with Indian partners on technology for sorting and recycling "
            "textiles and on transparency in the textile value chain."
        ),
        "description_nl": _paragraphs(
            "India is een van de grootste textielproducenten ter wereld en heeft "
            "met Panipat een van de oudste centra voor textielrecycling. Nederland "
            "heeft sterke kennis van automatisch sorteren, vezel-tot-vezel-"
            "recycling en digitale productpaspoorten. Deze missie verkent "
            "**gezamenlijke innovatieprojecten** die bijdragen aan een circulaire "
            "textielketen in beide landen.",
            "U bezoekt recyclingbedrijven en spinnerijen in Panipat, "
            "onderzoeksgroepen voor textieltechnologie en start-ups in New Delhi, "
            "en u neemt deel aan een workshop over traceerbaarheid met Indiase en "
            "Europese ketenpartners. De missie is bedoeld voor technologiebedrijven, "
            "recyclers, textielproducenten en kennisinstellingen met een concrete "
            "vraag of oplossing op het gebied van circulair textiel. Het aantal "
            "plaatsen is beperkt tot acht organisaties.",
            "**IMVO-aandachtspunten.** De Indiase textielketen kent bekende "
            "risico's, zoals kinderarbeid en gedwongen arbeid in spinnerijen, lage "
            "lonen, beperkte vrijheid van vakvereniging en discriminatie. In "
            "sortering en recycling werken veel mensen in de informele sector, "
            "vaak zonder bescherming tegen stof en chemicaliën. Ook waterverbruik "
            "en lozing van afvalwater zijn aandachtspunten. Tijdens de "
            "voorbereiding bespreken we hoe u deze risico's meeneemt in uw "
            "samenwerking en welke ervaring er is opgedaan in sectorafspraken over "
            "kleding en textiel.",
        ),
        "description_en": _paragraphs(
            "India is one of the largest textile producers in the world and, in "
            "Panipat, has one of the oldest centres for textile recycling. The "
            "Netherlands has strong expertise in automated sorting, "
            "fibre-to-fibre recycling and digital product passports. This mission "
            "explores **joint innovation projects** that contribute to a circular "
            "textile value chain in both countries.",
            "You will visit recycling companies and spinning mills in Panipat, "
            "textile technology research groups and start-ups in New Delhi, and "
            "take part in a workshop on traceability with Indian and European "
            "value chain partners. The mission is intended for technology "
            "companies, recyclers, textile producers and knowledge institutions "
            "with a concrete question or solution in circular textiles. The number "
            "of places is limited to eight organisations.",
            "**IMVO points of attention.** The Indian textile value chain has "
            "known risks, such as child labour and forced labour in spinning "
            "mills, low wages, limited freedom of association and discrimination. "
            "Many people in sorting and recycling work in the informal sector, "
            "often without protection against dust and chemicals. Water use and "
            "wastewater discharge are also points of attention. During the "
            "preparation we discuss how to take these risks into account in your "
            "cooperation and what has been learned from sector agreements on "
            "garments and textiles.",
        ),
        "country": "IN",
        "city_nl": "New Delhi",
        "city_en": "New Delhi",
        "theme": "circular",
        "start_offset_days": 110,
        "duration_days": 5,
        "registration_opens_offset_days": -15,
        "registration_closes_offset_days": 70,
        "capacity_max": 8,
        "capacity_min": 5,
        "requires_declaration": True,
        "sessions": [
            {
                "offset_days": 78,
                "hour": 13,
                "duration_minutes": 180,
                "location": "RVO, Croeselaan 15, Utrecht",
                "online_url": "",
                "title_nl": "Voorbereidingsbijeenkomst: programma en risico's in de textielketen",
                "title_en": "Preparation session: programme and risks in the textile value chain",
            },
            {
                "offset_days": 98,
                "hour": 10,
                "duration_minutes": 90,
                "location": "",
                "online_url": "https://video.example.org/rvo-circulair-textiel-india",
                "title_nl": "Online sessie: praktische zaken en afspraken met partners",
                "title_en": "Online session: practical matters and partner meetings",
            },
        ],
        "programme_nl": [
            (
                "Dag 1: Aankomst in New Delhi, briefing door de Nederlandse ambassade "
                "en seminar over circulair textiel met Indiase overheid en industrie."
            ),
            (
                "Dag 2: Panipat: bezoek aan recyclingbedrijven, sorteercentra en "
                "spinnerijen die gerecyclede vezels verwerken."
            ),
            (
                "Dag 3: New Delhi: bezoek aan onderzoeksgroepen voor "
                "textieltechnologie en pitches van Indiase start-ups."
            ),
            (
                "Dag 4: Workshop traceerbaarheid en digitale productpaspoorten, "
                "gevolgd door matchmaking met Indiase partners."
            ),
            (
                "Dag 5: Rondetafel over IMVO in de textielketen met bedrijven en "
                "maatschappelijke organisaties, evaluatie en terugreis."
            ),
        ],
        "programme_en": [
            (
                "Day 1: Arrival in New Delhi, briefing by the Dutch embassy and "
                "seminar on circular textiles with Indian government and industry."
            ),
            (
                "Day 2: Panipat: visit to recycling companies, sorting centres and "
                "spinning mills that process recycled fibres."
            ),
            ("Day 3: New Delhi: visit to textile technology research groups and pitches by Indian start-ups."),
            (
                "Day 4: Workshop on traceability and digital product passports, "
                "followed by matchmaking with Indian partners."
            ),
            (
                "Day 5: Round table on IMVO in the textile value chain with companies "
                "and civil society organisations, evaluation and return journey."
            ),
        ],
    },
    {
        "slug": "quantum-fotonica-vs",
        "title_nl": "Innovatiemissie quantumtechnologie en fotonica naar de Verenigde Staten",
        "title_en": "Innovation mission on quantum technology and photonics to the United States",
        "summary_nl": (
            "Leg contacten met Amerikaanse onderzoekscentra en bedrijven voor "
            "samenwerking in quantumtechnologie en geïntegreerde fotonica."
        ),
        "summary_en": (
            "Connect with American research centres and companies for "
            "cooperation in quantum technology and integrated photonics."
        ),
        "description_nl": _paragraphs(
            "De regio Boston behoort tot de sterkste ecosystemen ter wereld voor "
            "quantumtechnologie en fotonica, met toonaangevende universiteiten, "
            "start-ups en investeerders. Nederland heeft op beide terreinen een "
            "sterke positie opgebouwd, van quantumnetwerken tot fotonische chips. "
            "Deze missie verkent **gezamenlijk onderzoek en pilotprojecten** en "
            "zoekt aansluiting tussen de Nederlandse en Amerikaanse ecosystemen.",
            "Het programma omvat bezoeken aan universitaire laboratoria en "
            "quantumbedrijven in Boston en Cambridge, een dagbezoek aan een "
            "fotonica-testfaciliteit in Rochester, en een matchmakingsessie met "
            "start-ups en investeerders. De missie is vooral bedoeld voor "
            "kennisinstellingen en technologiebedrijven die werken aan "
            "quantumcomputing, quantumcommunicatie, quantumsensoren of "
            "fotonische integratie.",
            "**IMVO-aandachtspunten.** Bij geavanceerde technologie gaat het niet "
            "alleen om de productie, maar ook om het **gebruik** van producten, "
            "een punt dat de OESO-richtlijnen sinds 2023 expliciet noemen. Denk "
            "aan toepassingen voor surveillance of militaire doeleinden, "
            "exportcontroleregels voor producten voor tweeërlei gebruik, en de "
            "bescherming van data en kennis. Ook halfgeleiders en lasers bevatten "
            "grondstoffen met ketenrisico's. In de voorbereiding besteden we "
            "aandacht aan deze onderwerpen en aan kennisveiligheid.",
        ),
        "description_en": _paragraphs(
            "The Boston area is one of the strongest ecosystems in the world for "
            "quantum technology and photonics, with leading universities, "
            "start-ups and investors. The Netherlands has built a strong position "
            "in both fields, from quantum networks to photonic chips. This "
            "mission explores **joint research and pilot projects** and seeks to "
            "connect the Dutch and American ecosystems.",
            "The programme includes visits to university laboratories and quantum "
            "companies in Boston and Cambridge, a day visit to a photonics test "
            "facility in Rochester, and a matchmaking session with start-ups and "
            "investors. The mission is intended mainly for knowledge institutions "
            "and technology companies working on quantum computing, quantum "
            "communication, quantum sensing or photonic integration.",
            "**IMVO points of attention.** With advanced technology, the issue is "
            "not only production but also the **use** of products, a point the "
            "OECD Guidelines have explicitly addressed since 2023. Consider "
            "applications for surveillance or military purposes, export control "
            "rules for dual-use items, and the protection of data and knowledge. "
            "Semiconductors and lasers also contain raw materials with value "
            "chain risks. The preparation covers these topics as well as "
            "knowledge security.",
        ),
        "country": "US",
        "city_nl": "Boston",
        "city_en": "Boston",
        "theme": "digital",
        "start_offset_days": 150,
        "duration_days": 5,
        "registration_opens_offset_days": -30,
        "registration_closes_offset_days": 100,
        "capacity_max": 15,
        "capacity_min": 5,
        "requires_declaration": False,
        "sessions": [
            {
                "offset_days": 110,
                "hour": 15,
                "duration_minutes": 90,
                "location": "",
                "online_url": "https://video.example.org/rvo-quantum-fotonica-vs",
                "title_nl": "Online kennismaking: programma en ecosystemen",
                "title_en": "Online introduction: programme and ecosystems",
            },
            {
                "offset_days": 135,
                "hour": 14,
                "duration_minutes": 180,
                "location": "RVO, Croeselaan 15, Utrecht",
                "online_url": "",
                "title_nl": "Voorbereidingsbijeenkomst: IMVO, exportcontrole en kennisveiligheid",
                "title_en": "Preparation session: IMVO, export control and knowledge security",
            },
        ],
        "programme_nl": [
            (
                "Dag 1: Aankomst in Boston, briefing door de Nederlandse "
                "vertegenwoordiging en het innovatienetwerk, welkomstreceptie."
            ),
            (
                "Dag 2: Cambridge: bezoek aan universitaire laboratoria voor "
                "quantumtechnologie en een workshop over quantumnetwerken."
            ),
            (
                "Dag 3: Rochester: bezoek aan een testfaciliteit voor geïntegreerde "
                "fotonica en aan een onderzoeksinstituut voor optica."
            ),
            ("Dag 4: Boston: matchmaking met quantum-start-ups en investeerders, individuele afspraken."),
            ("Dag 5: Afsluitend seminar over Nederlands-Amerikaanse samenwerking, evaluatie en terugreis."),
        ],
        "programme_en": [
            (
                "Day 1: Arrival in Boston, briefing by the Dutch representation and "
                "the innovation network, welcome reception."
            ),
            (
                "Day 2: Cambridge: visit to university quantum technology laboratories "
                "and a workshop on quantum networks."
            ),
            ("Day 3: Rochester: visit to an integrated photonics test facility and an optics research institute."),
            ("Day 4: Boston: matchmaking with quantum start-ups and investors, individual meetings."),
            ("Day 5: Closing seminar on Dutch-American cooperation, evaluation and return journey."),
        ],
    },
    {
        "slug": "agrifood-water-kenia",
        "title_nl": "Innovatiemissie agrifood en watertechnologie naar Kenia",
        "title_en": "Innovation mission on agri-food and water technology to Kenya",
        "summary_nl": (
            "Ontwikkel met Keniaanse partners innovaties voor waterbesparende landbouw, tuinbouw en voedselketens."
        ),
        "summary_en": (
            "Develop innovations with Kenyan partners for water-efficient "
            "agriculture, horticulture and food value chains."
        ),
        "description_nl": _paragraphs(
            "Kenia is een belangrijke partner van Nederland in tuinbouw en "
            "agrifood, en heeft in Nairobi een levendig ecosysteem van agritech-"
            "start-ups. Tegelijk staan landbouw en watervoorziening onder druk "
            "door droogte en klimaatverandering. Deze missie zoekt "
            "**samenwerking in onderzoek en pilots** rond precisie-irrigatie, "
            "hergebruik van water, klimaatbestendige teelt en het beperken van "
            "voedselverliezen.",
            "U bezoekt kennisinstellingen en innovatiecentra in Nairobi, "
            "tuinbouwbedrijven en waterbeheerprojecten rond het Naivashameer, en "
            "coöperaties van kleinschalige boeren. Een matchmakingdag verbindt u "
            "met Keniaanse onderzoekers, bedrijven en start-ups. De missie is "
            "bedoeld voor bedrijven en kennisinstellingen in watertechnologie, "
            "tuinbouw, zaadveredeling, digitale landbouw en koelketens.",
            "**IMVO-aandachtspunten.** Rond het Naivashameer staat de "
            "waterbeschikbaarheid voor omwonenden en natuur onder druk door "
            "intensief gebruik. In de tuinbouw zijn arbeidsomstandigheden, "
            "tijdelijke contracten en de bescherming van vrouwelijke werknemers "
            "tegen intimidatie bekende risico's, net als het gebruik van "
            "gewasbeschermingsmiddelen. Bij digitale diensten voor boeren spelen "
            "eigendom en gebruik van data. Ook landrechten en corruptie vragen "
            "aandacht. De voorbereidingsbijeenkomsten helpen u deze risico's te "
            "herkennen en in uw samenwerking mee te nemen.",
        ),
        "description_en": _paragraphs(
            "Kenya is an important partner of the Netherlands in horticulture and "
            "agri-food, and Nairobi has a lively ecosystem of agritech start-ups. "
            "At the same time, agriculture and water supply are under pressure "
            "from drought and climate change. This mission seeks **cooperation in "
            "research and pilots** on precision irrigation, water reuse, "
            "climate-resilient cultivation and reducing food loss.",
            "You will visit knowledge institutions and innovation centres in "
            "Nairobi, horticultural companies and water management projects "
            "around Lake Naivasha, and cooperatives of smallholder farmers. A "
            "matchmaking day connects you with Kenyan researchers, companies and "
            "start-ups. The mission is intended for companies and knowledge "
            "institutions in water technology, horticulture, plant breeding, "
            "digital agriculture and cold chains.",
            "**IMVO points of attention.** Around Lake Naivasha, water "
            "availability for local communities and nature is under pressure from "
            "intensive use. In horticulture, working conditions, temporary "
            "contracts and the protection of women workers against harassment are "
            "known risks, as is the use of pesticides. Digital services for "
            "farmers raise questions about data ownership and use. Land rights "
            "and corruption also require attention. The preparation sessions help "
            "you recognise these risks and take them into account in your "
            "cooperation.",
        ),
        "country": "KE",
        "city_nl": "Nairobi",
        "city_en": "Nairobi",
        "theme": "agrifood",
        "start_offset_days": 190,
        "duration_days": 6,
        "registration_opens_offset_days": -10,
        "registration_closes_offset_days": 140,
        "capacity_max": 15,
        "capacity_min": 5,
        "requires_declaration": True,
        "sessions": [
            {
                "offset_days": 150,
                "hour": 14,
                "duration_minutes": 180,
                "location": "RVO, Prinses Beatrixlaan 2, Den Haag",
                "online_url": "",
                "title_nl": "Voorbereidingsbijeenkomst: programma, Kenia en IMVO",
                "title_en": "Preparation session: programme, Kenya and IMVO",
            },
            {
                "offset_days": 176,
                "hour": 11,
                "duration_minutes": 90,
                "location": "",
                "online_url": "https://video.example.org/rvo-agrifood-water-kenia",
                "title_nl": "Online sessie: praktische zaken, veiligheid en afspraken",
                "title_en": "Online session: practical matters, safety and meetings",
            },
        ],
        "programme_nl": [
            (
                "Dag 1: Aankomst in Nairobi, briefing door de Nederlandse ambassade en "
                "openingsseminar over water en voedselzekerheid."
            ),
            (
                "Dag 2: Nairobi: bezoek aan een landbouwkundig onderzoeksinstituut en "
                "een innovatiecentrum met agritech-start-ups."
            ),
            (
                "Dag 3: Naivasha: bezoek aan tuinbouwbedrijven en gesprek met "
                "waterbeheerders en omwonenden over het gebruik van het meer."
            ),
            (
                "Dag 4: Nakuru: veldbezoek aan coöperaties van kleinschalige boeren en "
                "demonstraties van waterbesparende irrigatie."
            ),
            ("Dag 5: Nairobi: matchmakingdag met Keniaanse onderzoekers, bedrijven en start-ups."),
            "Dag 6: Individuele afspraken, evaluatie met de groep en terugreis.",
        ],
        "programme_en": [
            (
                "Day 1: Arrival in Nairobi, briefing by the Dutch embassy and opening "
                "seminar on water and food security."
            ),
            (
                "Day 2: Nairobi: visit to an agricultural research institute and an "
                "innovation centre with agritech start-ups."
            ),
            (
                "Day 3: Naivasha: visit to horticultural companies and a meeting with "
                "water managers and local residents on the use of the lake."
            ),
            (
                "Day 4: Nakuru: field visit to smallholder farmer cooperatives and "
                "demonstrations of water-efficient irrigation."
            ),
            ("Day 5: Nairobi: matchmaking day with Kenyan researchers, companies and start-ups."),
            "Day 6: Individual meetings, group evaluation and return journey.",
        ],
    },
]
