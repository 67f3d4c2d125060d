"""Whole public pages cached per language for anonymous visitors (the catalogue, mission pages and
brochures), in the shared cache (Redis in production; the in-process default otherwise).

Only a request without a session or messages cookie is served from or stored in the cache, and
only a 200 response that sets no cookie and shows no message; logged-in users always get a live
page. Each namespace has a generation in the cache: a publish or edit bumps it on commit
(``page_cache_invalidate``), which retires every page of that namespace at once. Figures that
change without an edit (seats left) are at most ``PAGE_CACHE_SECONDS`` old for anonymous
visitors; registration itself always checks the live seats. Middleware still runs on a cached
page (security headers, language, request id); only the view is skipped.

A page may name the query parameters it reads (``page_cache_params``): any other query string is
then redirected to the canonical one (known parameters only, in one order, empty ones left out),
so made-up query strings never become entries; a parameter with unbounded values (a free-text
search) can keep its page out of the cache (``page_cache_live_params``).

Each process also keeps the pages it served and the namespaces' generations in memory for a
moment (``LOCAL_SECONDS``), so a hit usually costs no round trip to Redis; another process's
invalidation reaches it within that moment.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import get_language

MAX_PATH = 300
PAGE_NUMBER = re.compile(r"[0-9]{1,6}")
LOCAL_SECONDS = 2.0
LOCAL_PAGES = 256

_lock = threading.Lock()
_local_generations: dict[str, tuple[float, str]] = {}
_local_pages: dict[str, tuple[float, dict]] = {}


def _generation_key(namespace: str) -> str:
    return f"pagecache:generation:{namespace}"


def _generation(namespace: str) -> str:
    now = time.monotonic()
    local = _local_generations.get(namespace)
    if local is not None and local[0] > now:
        return local[1]
    key = _generation_key(namespace)
    generation = cache.get(key)
    if generation is None:
        generation = uuid.uuid4().hex[:12]
        cache.add(key, generation, None)
        generation = cache.get(key) or generation
    _local_generations[namespace] = (now + LOCAL_SECONDS, generation)
    return generation


def _page_get(key: str) -> dict | None:
    now = time.monotonic()
    local = _local_pages.get(key)
    if local is not None and local[0] > now:
        return local[1]
    payload = cache.get(key)
    if payload is not None:
        _page_remember(key, payload, min(LOCAL_SECONDS * 5, settings.PAGE_CACHE_SECONDS))
    return payload


def _page_remember(key: str, payload: dict, seconds: float) -> None:
    with _lock:
        if len(_local_pages) >= LOCAL_PAGES:
            _local_pages.clear()
        _local_pages[key] = (time.monotonic() + seconds, payload)


def page_cache_forget_local() -> None:
    """Forget what this process remembers (tests; the shared cache is cleared separately)."""
    with _lock:
        _local_generations.clear()
        _local_pages.clear()
        _front.clear()


def page_cache_namespaces() -> set[str]:
    """Every namespace a view of the URL configuration caches its pages under."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module, so every subclass is known
    found, todo = set(), [AnonymousPageCacheMixin]
    while todo:
        cls = todo.pop()
        found.add(cls.page_cache_namespace)
        todo.extend(cls.__subclasses__())
    return found


def page_cache_invalidate(*namespaces: str) -> None:
    """Retire the cached pages of these namespaces once the current transaction commits."""

    def bump():
        for namespace in namespaces:
            cache.set(_generation_key(namespace), uuid.uuid4().hex[:12], None)
            _local_generations.pop(namespace, None)

    transaction.on_commit(bump)


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.PAGE_CACHE_SECONDS > 0
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and len(request.get_full_path()) <= MAX_PATH
    )


def canonical_query(query: QueryDict, params: tuple[str, ...]) -> str:
    """The query string of ``query`` as a page that reads ``params`` knows it: only those, in that
    order, each once (the last value), whitespace collapsed, empty ones left out; ``page`` only as
    a number above 1."""
    pairs = []
    for name in params:
        value = " ".join(query.get(name, "").split())
        if name == "page":
            value = str(int(value)) if PAGE_NUMBER.fullmatch(value) and int(value) > 1 else ""
        if value:
            pairs.append((name, value))
    return urlencode(pairs)


def _messages_added(request) -> bool:
    """Whether this request added a message, also one the page has shown already (and so no
    longer queues): such a page is this visitor's (an invalid filter's warning), never stored."""
    storage = getattr(request, "_messages", None)
    return bool(getattr(storage, "added_new", False) or getattr(storage, "_queued_messages", None))


class AnonymousPageCacheMixin:
    """For a view whose page is the same for every anonymous visitor in one language.

    ``page_cache_namespace`` names what invalidates it; ``page_cache_hit(request, extra)`` runs on
    a hit (e.g. to count a read), with what ``page_cache_extra(response)`` returned when stored.
    """

    page_cache_namespace = ""
    #: The query parameters the page reads, in canonical order; ``None``: any query string is a page.
    page_cache_params: tuple[str, ...] | None = None
    #: Parameters with unbounded values (a free-text search): a page with one is always live.
    page_cache_live_params: tuple[str, ...] = ()

    def page_cache_extra(self, response) -> dict:
        return {}

    @staticmethod
    def page_cache_hit(extra: dict) -> None:
        """Runs for each page served from a cache (here or in ``PageCacheApp``), e.g. to count it."""

    def dispatch(self, request, *args, **kwargs):
        if self.page_cache_params is not None and request.method in ("GET", "HEAD"):
            canonical = canonical_query(request.GET, self.page_cache_params)
            if canonical != request.META.get("QUERY_STRING", ""):
                # For everyone, so that links and bookmarks carry the one address that is cached.
                path = "/" + request.path.lstrip("/")
                return HttpResponseRedirect(f"{path}?{canonical}" if canonical else path)
            if any(request.GET.get(name) for name in self.page_cache_live_params):
                return super().dispatch(request, *args, **kwargs)
        if not _cacheable_request(request):
            return super().dispatch(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"pagecache:{self.page_cache_namespace}:{_generation(self.page_cache_namespace)}:{get_language()}:{path}"
        generation = _generation(self.page_cache_namespace)
        cached = _page_get(key)
        if cached is not None:
            self.page_cache_hit(cached["extra"])
            self._mark(request, generation, cached["extra"])
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
                _page_remember(key, payload, min(LOCAL_SECONDS * 5, settings.PAGE_CACHE_SECONDS))
                self._mark(request, generation, payload["extra"])

        if hasattr(response, "add_post_render_callback"):
            response.add_post_render_callback(store)
        else:
            store(response)
        return response

    def _mark(self, request, generation: str, extra: dict) -> None:
        """Tell ``PageCacheApp`` (through the WSGI environ) that this response may be kept."""
        view = type(self)
        request.META[ENVIRON_KEY] = (
            self.page_cache_namespace,
            generation,
            f"{view.__module__}.{view.__qualname__}",
            extra,
        )


# --- In front of Django ------------------------------------------------------------------

ENVIRON_KEY = "imvo.page_cache"
_front: dict[tuple, tuple] = {}


def _front_key(environ) -> tuple | None:
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or settings.PAGE_CACHE_SECONDS <= 0:
        return None
    cookies = environ.get("HTTP_COOKIE", "")
    if f"{settings.SESSION_COOKIE_NAME}=" in cookies or "messages=" in cookies:
        return None
    language = ""
    marker = f"{settings.LANGUAGE_COOKIE_NAME}="
    if marker in cookies:
        language = cookies.split(marker, 1)[1].split(";", 1)[0].strip()
    path = environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")
    if len(path) > MAX_PATH:
        return None
    # Whatever the language choice depends on is part of the key: the cookie and the browser's list.
    return (environ.get("REQUEST_METHOD"), path, language, environ.get("HTTP_ACCEPT_LANGUAGE", ""))


class PageCacheApp:
    """WSGI layer: a page a view marked cacheable (``AnonymousPageCacheMixin``) is answered again
    from this process's memory, complete with the headers the middleware added (a fresh request
    id), for ``LOCAL_SECONDS * 5`` seconds at most and while its namespace's generation holds;
    the middleware stack is then skipped. Anonymous requests only (no session or messages cookie)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        key = _front_key(environ)
        if key is not None:
            entry = _front.get(key)
            if entry is not None:
                expires, namespace, generation, view, extra, status, headers, body = entry
                if expires > time.monotonic() and _generation(namespace) == generation:
                    import_string(view).page_cache_hit(extra)
                    start_response(status, [*headers, ("X-Request-ID", uuid.uuid4().hex)])
                    return [body if key[0] == "GET" else b""]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.application(environ, capture)
        mark = environ.get(ENVIRON_KEY)
        if key is None or mark is None or not captured.get("status", "").startswith("200"):
            return result
        if any(name.lower() == "set-cookie" for name, _value in captured["headers"]):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers = [(n, v) for n, v in captured["headers"] if n.lower() != "x-request-id"]
        seconds = min(LOCAL_SECONDS * 5, settings.PAGE_CACHE_SECONDS)
        with _lock:
            if len(_front) >= LOCAL_PAGES:
                _front.clear()
            _front[key] = (time.monotonic() + seconds, *mark, captured["status"], headers, body)
        return [body]
