"""/open-data/: releases as CSV and JSON without login, valid against the JSON Schema, DCAT-AP-NL
metadata valid against the SHACL shapes, only released (disclosure-controlled) figures, and
cache validators."""

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dashboard.models import ReleasedUptakeRollup, UptakeRollup
from dashboard.releases import release_publish
from dashboard.tests.helpers import make_mission, register
from declarations.constants import Decision
from instruments.tests.factories import InstrumentFactory
from opendata import documents
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

SCHEMAS = Path(documents.__file__).resolve().parent / "schemas"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"


@pytest.fixture
def releases(settings):
    settings.DASHBOARD_RELEASE_RHO_PER_YEAR = 60.0  # small noise, so many cells pass the threshold
    InstrumentFactory(sectors="C")
    early, late = make_mission(year=2024, country="JP"), make_mission(year=2025, country="IN")
    for i in range(40):
        organisation = OrganisationFactory(sector="CA"[i % 2], large=i % 3 == 0)
        register(early, organisation, decision=[Decision.ENDORSED, Decision.NOT_ENDORSED, None][i % 3])
        if i % 2:
            register(late, organisation)
    return release_publish(reason="test"), release_publish(reason="test")


def _schema():
    return json.loads((SCHEMAS / "release.schema.json").read_text())


def test_nothing_published_yet(client):
    with translation.override("en"):
        response = client.get(reverse("opendata:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert client.get("/open-data/releases/1.json").status_code == 404
    assert client.get("/open-data/releases/1.csv").status_code == 404
    catalog = client.get("/open-data/catalog.jsonld").json()
    assert [node["@type"] for node in catalog["@graph"]] == ["dcat:Catalog", "dcat:DatasetSeries"]


def test_release_json_validates_against_its_schema_without_login(client, releases):
    first, second = releases
    jsonschema.Draft202012Validator.check_schema(_schema())
    validator = jsonschema.Draft202012Validator(_schema(), format_checker=jsonschema.FormatChecker())
    for release in releases:
        response = client.get(f"/open-data/releases/{release.number}.json")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
        document = response.json()
        validator.validate(document)
        assert document["release"]["number"] == release.number
        assert document["licence"] == CC0
        assert "salt" not in json.dumps(document["release"])
        assert {m["year"] for m in document["missions"]} == {2024, 2025}
    # A broken document is refused by the schema (it can fail).
    document["uptake"][0]["registrations"] = -5
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(document)


def test_only_released_figures_leave_the_portal(client, releases):
    """The file holds exactly the release's stored cells (noised and thresholded by the disclosure
    control), never the true rollups."""
    release = releases[0]
    document = client.get(f"/open-data/releases/{release.number}.json").json()
    key = ("year", "country", "mission_id", "sector", "kind", "size_class")
    measures = ("organisations", "organisations_endorsed", "declarations_endorsed", "declarations_not_endorsed")
    stored = {
        tuple(row[k] or None for k in key): tuple(row[m] for m in measures)
        for row in ReleasedUptakeRollup.objects.filter(release=release).values(*key, *measures)
    }
    published = {tuple(cell[k] for k in key): tuple(cell[m] for m in measures) for cell in document["uptake"]}
    assert published == stored and len(published) > 10
    base, threshold = release.parameters["base"], release.parameters["threshold"]
    assert all(v == 0 or (v >= threshold and v % base == 0) for values in published.values() for v in values)
    true = {
        tuple(row[k] or None for k in key): tuple(row[m] for m in measures)
        for row in UptakeRollup.objects.values(*key, *measures)
    }
    assert any(true.get(cell) != values for cell, values in published.items())  # noise was added


def test_csv_has_the_same_cells_as_the_json(client, releases):
    release = releases[1]
    response = client.get(f"/open-data/releases/{release.number}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    document = client.get(f"/open-data/releases/{release.number}.json").json()
    assert len(rows) == len(document["uptake"])
    first = document["uptake"][0]
    assert rows[0]["registrations"] == str(first["registrations"])
    assert rows[0]["year"] == ("" if first["year"] is None else str(first["year"]))


def test_release_files_are_cacheable_with_validators(client, releases):
    url = f"/open-data/releases/{releases[0].number}.json"
    response = client.get(url)
    assert response.has_header("ETag") and response.has_header("Last-Modified")
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304
    catalog = client.get("/open-data/catalog.jsonld")
    assert client.get("/open-data/catalog.jsonld", HTTP_IF_NONE_MATCH=catalog["ETag"]).status_code == 304


def test_the_catalogue_changes_its_etag_when_a_release_is_published(client, releases):
    before = client.get("/open-data/catalog.jsonld")["ETag"]
    release_publish(reason="test")
    assert client.get("/open-data/catalog.jsonld", HTTP_IF_NONE_MATCH=before).status_code == 200


def _catalog_graph(client):
    import rdflib

    response = client.get("/open-data/catalog.jsonld")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
    return rdflib.Graph().parse(data=response.content.decode(), format="json-ld")


def _shapes():
    import rdflib

    return rdflib.Graph().parse(SCHEMAS / "dcat-ap-nl.shacl.ttl", format="turtle")


def test_dcat_catalogue_conforms_to_the_shacl_shapes(client, releases):
    from pyshacl import validate
    from rdflib import RDF, URIRef
    from rdflib.namespace import DCAT, DCTERMS

    graph = _catalog_graph(client)
    conforms, _report, text = validate(graph, shacl_graph=_shapes(), inference="none")
    assert conforms, text
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 2
    distributions = set(graph.subjects(RDF.type, DCAT.Distribution))
    assert {str(d) for d in distributions} == {
        f"http://testserver/open-data/releases/{r.number}.{kind}" for r in releases for kind in ("csv", "json")
    }
    for dataset in datasets:
        assert (dataset, DCTERMS.license, URIRef(CC0)) in graph
        titles = {t.language for t in graph.objects(dataset, DCTERMS.title)}
        assert titles == {"nl", "en"}


def test_the_shapes_catch_a_broken_catalogue(client, releases):
    """The shapes can fail: drop the licence of a dataset and the English title of another."""
    from pyshacl import validate
    from rdflib import RDF
    from rdflib.namespace import DCAT, DCTERMS

    graph = _catalog_graph(client)
    first, second = sorted(graph.subjects(RDF.type, DCAT.Dataset))
    graph.remove((first, DCTERMS.license, None))
    for title in list(graph.objects(second, DCTERMS.title)):
        if title.language == "en":
            graph.remove((second, DCTERMS.title, title))
    conforms, _report, text = validate(graph, shacl_graph=_shapes(), inference="none")
    assert not conforms
    assert "license" in text and "title" in text


def test_the_shapes_catch_a_period_that_ends_before_it_starts(client, releases):
    from pyshacl import validate
    from rdflib import RDF, Literal
    from rdflib.namespace import DCAT, DCTERMS, XSD

    graph = _catalog_graph(client)
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    period = next(graph.objects(dataset, DCTERMS.temporal))
    graph.set((period, DCAT.endDate, Literal("2000-01-01", datatype=XSD.date)))
    conforms, _report, text = validate(graph, shacl_graph=_shapes(), inference="none")
    assert not conforms and "ends before it starts" in text


def test_each_dataset_links_the_method_page_which_is_public(client, releases):
    from rdflib.namespace import DCAT, FOAF, RDF

    graph = _catalog_graph(client)
    for dataset in graph.subjects(RDF.type, DCAT.Dataset):
        page = str(next(graph.objects(dataset, FOAF.page)))
        assert page.startswith("http://testserver/open-data/method/#")
    with translation.override("en"):
        response = Client().get(reverse("opendata:method"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert b"zcdp-gaussian-v1" in response.content


def test_index_lists_every_release_with_its_files(client, releases, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(reverse("opendata:index"))
    html = response.content.decode()
    for release in releases:
        assert f"/open-data/releases/{release.number}.csv" in html
        assert f"/open-data/releases/{release.number}.json" in html


def test_catalogue_queries_do_not_grow_with_releases(client, releases, django_assert_max_num_queries):
    for _ in range(4):
        release_publish(reason="test")
    with django_assert_max_num_queries(8):
        assert client.get("/open-data/catalog.jsonld").status_code == 200


def test_every_open_data_url_is_public_and_read_only(releases):
    """Built from the URL configuration: a new URL must be added here."""
    from django.urls import URLPattern

    from opendata import urls

    kwargs = {"release_json": {"number": releases[0].number}, "release_csv": {"number": releases[0].number}}
    names = [p.name for p in urls.urlpatterns if isinstance(p, URLPattern)]
    assert sorted(names) == sorted(["index", "method", "catalog", "release_json", "release_csv", "release_schema"])
    anonymous = Client(enforce_csrf_checks=True)
    for name in names:
        url = reverse(f"opendata:{name}", kwargs=kwargs.get(name, {}))
        assert url.startswith("/open-data/")
        assert anonymous.get(url).status_code == 200, name
        assert anonymous.post(url).status_code in (403, 405), name


def test_the_index_is_public_for_anonymous_visitors_only(client, releases):
    anonymous = client.get(reverse("opendata:index"))
    assert "public" in anonymous["Cache-Control"] and anonymous.has_header("ETag")
    assert client.get(reverse("opendata:index"), HTTP_IF_NONE_MATCH=anonymous["ETag"]).status_code == 304
    from tests.factories import member_of

    client.force_login(member_of())
    logged_in = client.get(reverse("opendata:index"), HTTP_IF_NONE_MATCH=anonymous["ETag"])
    assert logged_in.status_code == 200
    assert "private" in logged_in["Cache-Control"] and "public" not in logged_in["Cache-Control"]
    assert not logged_in.has_header("ETag")
