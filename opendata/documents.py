"""The open-data files of a release (JSON, CSV) and the DCAT-AP-NL catalogue (JSON-LD).

Stable URLs (``urls.py``): ``/open-data/releases/<number>.json`` and ``.csv`` never change once a
release is published (releases are immutable), and ``/open-data/catalog.jsonld`` lists them all.
The JSON follows ``schemas/release.schema.json``; the catalogue passes ``schemas/dcat-ap-nl.shacl.ttl``
(both checked by the tests). Titles and descriptions are data here, in Dutch and English both.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.conf import settings
from django.urls import reverse

from core.exports import cell_neutralise
from dashboard.models import DashboardRelease

from .selectors import (
    UPTAKE_KEY,
    UPTAKE_MEASURES,
    missions_of,
    release_instrument_rows,
    release_uptake_rows,
    release_year_spans,
)

FORMAT_VERSION = 1
LICENCE = "http://creativecommons.org/publicdomain/zero/1.0/"
FREQUENCY = {
    "weekly": "http://publications.europa.eu/resource/authority/frequency/WEEKLY",
    "monthly": "http://publications.europa.eu/resource/authority/frequency/MONTHLY",
    "quarterly": "http://publications.europa.eu/resource/authority/frequency/QUARTERLY",
}
FILE_TYPE = {
    "csv": "http://publications.europa.eu/resource/authority/file-type/CSV",
    "json": "http://publications.europa.eu/resource/authority/file-type/JSON",
}
MEDIA_TYPE = {
    "csv": "https://www.iana.org/assignments/media-types/text/csv",
    "json": "https://www.iana.org/assignments/media-types/application/json",
}
LANGUAGES = (
    "http://publications.europa.eu/resource/authority/language/NLD",
    "http://publications.europa.eu/resource/authority/language/ENG",
)
THEME = "http://publications.europa.eu/resource/authority/data-theme/ECON"

CATALOG_TITLE = {
    "nl": "Open data van het IMVO-missieportaal",
    "en": "Open data of the IMVO mission portal",
}
CATALOG_DESCRIPTION = {
    "nl": "Gepubliceerde cijfers over deelname aan handelsmissies en het onderschrijven van de "
    "IMVO-verklaring (OESO-richtlijnen), per release, beschermd met differential privacy.",
    "en": "Published figures on participation in trade missions and endorsement of the IMVO "
    "declaration (OECD Guidelines), per release, protected with differential privacy.",
}
SERIES_TITLE = {
    "nl": "IMVO-missies: deelname en verklaringen",
    "en": "IMVO missions: participation and declarations",
}


def absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def urls_of(number: int) -> dict[str, str]:
    return {
        "json": absolute(reverse("opendata:release_json", args=[number])),
        "csv": absolute(reverse("opendata:release_csv", args=[number])),
    }


def method_url(method: str) -> str:
    return absolute(reverse("opendata:method")) + f"#{method}"


def schema_url() -> str:
    return absolute(reverse("opendata:release_schema"))


def _all_as_none(row: dict) -> dict:
    """0 / "" mean "all" in the rollups; in the files that is null."""
    return {
        **row,
        "year": row["year"] or None,
        "country": row["country"] or None,
        "mission_id": row["mission_id"] or None,
    }


def release_document(release: DashboardRelease) -> dict:
    """The JSON file of one release (``schemas/release.schema.json``)."""
    rows = release_uptake_rows(release)
    instruments, endorsed_any = release_instrument_rows(release)
    missions = missions_of(rows)
    return {
        "$schema": schema_url(),
        "format_version": FORMAT_VERSION,
        "licence": LICENCE,
        "release": {
            "number": release.number,
            "period": release.period,
            "published_at": release.published_at.isoformat(),
            "method": release.method,
            "method_url": method_url(release.method),
            # The public parameters only (never the salt that keys the noise).
            "parameters": {k: v for k, v in release.parameters.items() if k != "salt"},
        },
        "missions": [
            {
                "id": m.mission_id,
                "slug": m.slug,
                "title_nl": m.title_nl,
                "title_en": m.title_en,
                "country": m.country,
                "year": m.year,
            }
            for m in missions
        ],
        "uptake": [_all_as_none(row) for row in rows],
        "instruments": instruments,
        "organisations_endorsed_any_instrument": endorsed_any,
    }


def release_csv(release: DashboardRelease) -> bytes:
    """The uptake cells of one release as CSV for machines: RFC 4180 (comma, CRLF), UTF-8 without a
    byte-order mark, a header row, an empty cell = all. Cells pass ``core.exports.cell_neutralise``
    like every file that leaves the portal (the values are codes and counts, so it changes nothing
    today)."""
    rows = release_uptake_rows(release)
    columns = (*UPTAKE_KEY, *UPTAKE_MEASURES)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_neutralise(_all_as_none(row)[c]) for c in columns])
    return buffer.getvalue().encode("utf-8")


def _lang(values: dict[str, str]) -> list[dict]:
    return [{"@value": text, "@language": language} for language, text in values.items()]


def _distribution(number: int, kind: str, release: DashboardRelease) -> dict:
    url = urls_of(number)[kind]
    label = {"csv": "CSV", "json": "JSON"}[kind]
    distribution = {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": _lang(
            {"nl": f"Release {number} als {label}", "en": f"Release {number} as {label}"},
        ),
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dct:format": {"@id": FILE_TYPE[kind]},
        "dcat:mediaType": {"@id": MEDIA_TYPE[kind]},
        "dct:license": {"@id": LICENCE},
        "dct:issued": {"@value": release.published_at.isoformat(), "@type": "xsd:dateTime"},
    }
    if kind == "json":
        distribution["dct:conformsTo"] = {"@id": schema_url()}
    return distribution


def _publisher() -> dict:
    return {
        "@id": settings.OPEN_DATA_PUBLISHER_URI,
        "@type": "foaf:Agent",
        "foaf:name": settings.OPEN_DATA_PUBLISHER_NAME,
    }


def _dataset(release: DashboardRelease, series_id: str, span: tuple[int, int] | None) -> dict:
    number = release.number
    day = release.published_at.date()
    period = (date(span[0], 1, 1), date(span[1], 12, 31)) if span else (day, day)
    cadence = release.parameters.get("cadence", "monthly")
    return {
        "@id": absolute(reverse("opendata:index")) + f"#release-{number}",
        "@type": "dcat:Dataset",
        "dct:identifier": f"imvo-missions-release-{number}",
        "dct:title": _lang(
            {language: f"{title}, release {number} ({release.period})" for language, title in SERIES_TITLE.items()}
        ),
        "dct:description": _lang(
            {
                "nl": f"Release {number}, gepubliceerd in periode {release.period}: aantallen registraties, "
                "organisaties en verklaringen (onderschreven, niet onderschreven, open) per missie, jaar, "
                "bestemming, sector, soort en grootte van organisatie, en per instrument. Elke telling "
                "is beschermd met differential privacy (methode " + release.method + ").",
                "en": f"Release {number}, published in period {release.period}: numbers of registrations, "
                "organisations and declarations (endorsed, not endorsed, pending) by mission, year, "
                "destination, sector, kind and size of organisation, and by instrument. Every count is "
                "protected with differential privacy (method " + release.method + ").",
            }
        ),
        "dct:issued": {"@value": release.published_at.isoformat(), "@type": "xsd:dateTime"},
        "dct:license": {"@id": LICENCE},
        "dct:publisher": _publisher(),
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": settings.OPEN_DATA_PUBLISHER_NAME,
            "vcard:hasURL": {"@id": absolute(reverse("contact"))},
        },
        "dct:language": [{"@id": language} for language in LANGUAGES],
        "dcat:theme": {"@id": THEME},
        "dcat:keyword": _lang({"nl": "IMVO", "en": "RBC"}) + _lang({"nl": "handelsmissies", "en": "trade missions"}),
        "dct:accrualPeriodicity": {"@id": FREQUENCY.get(cadence, FREQUENCY["monthly"])},
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": period[0].isoformat(), "@type": "xsd:date"},
            "dcat:endDate": {"@value": period[1].isoformat(), "@type": "xsd:date"},
        },
        "dct:conformsTo": {"@id": method_url(release.method), "dct:title": release.method},
        "foaf:page": {"@id": method_url(release.method)},
        "dcat:landingPage": {"@id": absolute(reverse("opendata:index"))},
        "dcat:inSeries": {"@id": series_id},
        "dcat:distribution": [_distribution(number, "csv", release), _distribution(number, "json", release)],
    }


CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def catalog_document(releases: list[DashboardRelease]) -> dict:
    """The DCAT-AP-NL catalogue: the catalogue, one dataset series, a dataset per release with a
    distribution per file."""
    index = absolute(reverse("opendata:index"))
    series_id = index + "#series"
    spans = release_year_spans(releases)
    datasets = [_dataset(release, series_id, spans.get(release.pk)) for release in releases]
    series = {
        "@id": series_id,
        "@type": "dcat:DatasetSeries",
        "dct:title": _lang(SERIES_TITLE),
        "dct:description": _lang(CATALOG_DESCRIPTION),
        "dct:publisher": _publisher(),
        "dct:license": {"@id": LICENCE},
    }
    return {
        "@context": CONTEXT,
        "@graph": [
            {
                "@id": index + "#catalog",
                "@type": "dcat:Catalog",
                "dct:title": _lang(CATALOG_TITLE),
                "dct:description": _lang(CATALOG_DESCRIPTION),
                "dct:publisher": _publisher(),
                "dct:license": {"@id": LICENCE},
                "dct:language": [{"@id": language} for language in LANGUAGES],
                "foaf:homepage": {"@id": index},
                "dcat:dataset": [{"@id": dataset["@id"]} for dataset in datasets],
            },
            series,
            *datasets,
        ],
    }
