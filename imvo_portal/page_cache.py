"""Whole public pages cached per language for anonymous visitors (the catalogue, mission pages and
brochures), in the shared cache (Redis in production; the in-process default otherwise).

Only a request without a session or messages cookie is served from or stored in the cache, and
only a 200 response that sets no cookie and shows no message; logged-in users always get a live
page. Each namespace has a generation in the cache: a publish or edit bumps it on commit
(``page_cache_invalidate``), which retires every page of that namespace at once. Figures that
change without an edit (seats left) are at most ``PAGE_CACHE_SECONDS`` old for anonymous
visitors; registration itself always checks the live seats. Middleware still runs on a cached
page (security headers, language, request id); only the view is skipped.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import get_language

MAX_PATH = 300


def _generation_key(namespace: str) -> str:
    return f"pagecache:generation:{namespace}"


def _generation(namespace: str) -> str:
    key = _generation_key(namespace)
    generation = cache.get(key)
    if generation is None:
        generation = uuid.uuid4().hex[:12]
        cache.add(key, generation, None)
        generation = cache.get(key) or generation
    return generation


def page_cache_invalidate(*namespaces: str) -> None:
    """Retire the cached pages of these namespaces once the current transaction commits."""

    def bump():
        for namespace in namespaces:
            cache.set(_generation_key(namespace), uuid.uuid4().hex[:12], None)

    transaction.on_commit(bump)


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.PAGE_CACHE_SECONDS > 0
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and len(request.get_full_path()) <= MAX_PATH
    )


def _messages_added(request) -> bool:
    storage = getattr(request, "_messages", None)
    return bool(getattr(storage, "_queued_messages", None))


class AnonymousPageCacheMixin:
    """For a view whose page is the same for every anonymous visitor in one language.

    ``page_cache_namespace`` names what invalidates it; ``page_cache_hit(request, extra)`` runs on
    a hit (e.g. to count a read), with what ``page_cache_extra(response)`` returned when stored.
    """

    page_cache_namespace = ""

    def page_cache_extra(self, response) -> dict:
        return {}

    def page_cache_hit(self, request, extra: dict) -> None:
        pass

    def dispatch(self, request, *args, **kwargs):
        if not _cacheable_request(request):
            return super().dispatch(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"pagecache:{self.page_cache_namespace}:{_generation(self.page_cache_namespace)}:{get_language()}:{path}"
        cached = cache.get(key)
        if cached is not None:
            self.page_cache_hit(request, cached["extra"])
            return HttpResponse(cached["content"], content_type=cached["content_type"])
        response = super().dispatch(request, *args, **kwargs)

        def store(rendered):
            if rendered.status_code == 200 and not rendered.cookies and not _messages_added(request):
                payload = {
                    "content": rendered.content,
                    "content_type": rendered["Content-Type"],
                    "extra": self.page_cache_extra(rendered),
                }
                cache.set(key, payload, settings.PAGE_CACHE_SECONDS)

        if hasattr(response, "add_post_render_callback"):
            response.add_post_render_callback(store)
        else:
            store(response)
        return response
