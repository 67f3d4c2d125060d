"""/open-data/: the published releases for anyone, without login, at stable URLs.

Releases never change once published, so their files carry an ETag and Last-Modified and may be
cached; the index and catalogue change when a release is published (their validators follow the
newest release). Conditional requests (If-None-Match / If-Modified-Since) get 304 without work.
"""

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import condition
from django.views.generic import TemplateView

from core.problems import PROBLEM_CONTENT_TYPE, problem
from dashboard import release_method
from dashboard.disclosure import share_minimum
from dashboard.release_claims import release_claimed

from . import documents, selectors

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
RELEASE_MAX_AGE = 60 * 60 * 24
INDEX_MAX_AGE = 5 * 60


def _newest(request, *args, **kwargs):
    return selectors.releases_published().aggregate(newest=Max("published_at"), n=Count("pk"), top=Max("number"))


def _index_etag(request, *args, **kwargs) -> str:
    state = _newest(request)
    language = translation.get_language() or ""
    return hashlib.sha256(repr((state["n"], state["top"], documents.FORMAT_VERSION, language)).encode()).hexdigest()[
        :32
    ]


def _index_modified(request, *args, **kwargs):
    return _newest(request)["newest"]


def _release_etag(request, number: int) -> str | None:
    release = selectors.releases_published().filter(number=number).first()
    if release is None:
        return None
    key = (release.number, release.published_at.isoformat(), documents.FORMAT_VERSION, settings.PORTAL_BASE_URL)
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def _release_modified(request, number: int):
    release = selectors.releases_published().filter(number=number).first()
    return release.published_at if release else None


def _cacheable(response, max_age: int):
    patch_cache_control(response, public=True, max_age=max_age)
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


class OpenDataIndexView(TemplateView):
    """The list of releases. The page around it shows who is logged in, so only an anonymous
    visitor's copy is public and has validators; a logged-in user's page is private and live."""

    template_name = "opendata/index.html"

    def get_context_data(self, **kwargs):
        releases = list(selectors.releases_published())
        return super().get_context_data(releases=releases, licence=documents.LICENCE, **kwargs)

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            response = super().get(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        conditional = condition(etag_func=_index_etag, last_modified_func=_index_modified)
        response = conditional(lambda request: super(OpenDataIndexView, self).get(request, *args, **kwargs))(request)
        patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return _cacheable(response, INDEX_MAX_AGE)


class MethodView(TemplateView):
    """The method's explanation, public (the dashboard's own page is for the ministry and staff)."""

    template_name = "opendata/method.html"

    def get_context_data(self, **kwargs):
        latest = selectors.release_newest()
        return super().get_context_data(
            latest=latest,
            method=latest.method if latest else release_method.METHOD,
            max_registrations=settings.DASHBOARD_RELEASE_MAX_REGISTRATIONS,
            min_cell=settings.DASHBOARD_MIN_CELL,
            share_minimum=share_minimum(),
            **kwargs,
        )


def _release_or_gone(number: int):
    """The stored release, or ``ReleaseGone`` when it was published but a restore of the database
    lost it (its number is claimed in the evidence storage: never issued again), or 404."""
    try:
        return selectors.release_get(number=number)
    except Http404:
        if release_claimed(number):
            raise ReleaseGone(number) from None
        raise


class ReleaseGone(Exception):
    def __init__(self, number: int):
        super().__init__(number)
        self.number = number


def _gone(request, number: int) -> HttpResponse:
    """410: the release was published and is no longer available; its number is never reused."""
    detail = _(
        "Release %(number)s was published, but is no longer available: the portal was restored from a "
        "backup made before it. Its number is never used again; the next release follows the highest "
        "number ever published."
    ) % {"number": number}
    response = JsonResponse(problem(410, detail, instance=request.path), status=410, content_type=PROBLEM_CONTENT_TYPE)
    return _cacheable(response, INDEX_MAX_AGE)


class _ReleaseFileView(View):
    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except ReleaseGone as gone:
            return _gone(request, gone.number)


@method_decorator(condition(etag_func=_release_etag, last_modified_func=_release_modified), name="get")
class ReleaseJsonView(_ReleaseFileView):
    def get(self, request, number: int):
        document = documents.release_document(_release_or_gone(number))
        response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
        return _cacheable(response, RELEASE_MAX_AGE)


@method_decorator(condition(etag_func=_release_etag, last_modified_func=_release_modified), name="get")
class ReleaseCsvView(_ReleaseFileView):
    def get(self, request, number: int):
        body = documents.release_csv(_release_or_gone(number))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="imvo-missions-release-{number}.csv"'
        return _cacheable(response, RELEASE_MAX_AGE)


@method_decorator(condition(etag_func=_index_etag, last_modified_func=_index_modified), name="get")
class CatalogView(View):
    def get(self, request):
        document = documents.catalog_document(list(selectors.releases_published()))
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=1), content_type="application/ld+json; charset=utf-8"
        )
        return _cacheable(response, INDEX_MAX_AGE)


class ReleaseSchemaView(View):
    def get(self, request):
        response = HttpResponse(
            (SCHEMA_DIR / "release.schema.json").read_bytes(), content_type="application/schema+json"
        )
        return _cacheable(response, RELEASE_MAX_AGE)
