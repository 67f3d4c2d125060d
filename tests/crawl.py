"""Follow the links a person can click, from the start page, as one role.

Used by ``tests/test_crawl.py`` (Django's test client, no services: every link answers without 404
or 500) and by ``tests/e2e/test_accessibility.py`` (the same pages in Chromium, for axe and reflow).

Only same-origin ``<a href>`` links are followed, with GET. A crawl never follows a link that
changes who is logged in or which language is active (those are POST forms anyway), never enters
Django's own admin (not a page of any of these roles), and visits each URL pattern a limited
number of times: a list with a hundred rows needs one detail page checked, not a hundred.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.contrib.admindocs.views import extract_views_from_urlpatterns, simplify_regex
from django.urls import Resolver404, get_resolver, resolve

from tests.factories import DEMO_INSTRUMENTS

# Links that are not pages of the portal's roles, or that would end the session being crawled.
SKIP_PREFIXES = ("/accounts/logout/", "/i18n/", "/admin/", "/static/", "/media/")
# URL names whose GET has a side effect worth keeping out of a crawl (a download count, a queued
# render, a generated file): they are fetched once to prove the link works, never parsed.
DOWNLOAD_NAMES = {
    "brochures:pdf",
    "brochures:version_pdf",
    "brochures:preview_pdf",
    "declarations:receipt",
    "staff:export",
    "staff:session_calendar",
    "dashboard:export",
}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_in(html: str, base: str) -> list[str]:
    """Same-origin links of a page, as paths with query string and without fragment."""
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        if href.startswith(("mailto:", "tel:", "javascript:", "#")):
            continue
        absolute = urldefrag(urljoin(base, href)).url
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or parts.netloc not in ("testserver", ""):
            # Another host: not ours to crawl (the portal's own base URL is "testserver" in tests).
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        found.append(path)
    return found


def pattern_of(path: str) -> str | None:
    """The URL pattern a path resolves to, with the names of its query parameters (a filter or a
    page number is another view of a list); None when nothing matches."""
    parts = urlsplit(path)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return (match.view_name or match.route) + ("?" + "&".join(keys) if keys else "")


def all_url_paths() -> list[str]:
    """Every URL pattern of the portal as a path, with sample values for its parameters (the whole
    URL configuration, linked or not; most sample values answer 404, which is still an answer)."""
    paths = []
    for _view, regex, _namespace, _name in extract_views_from_urlpatterns(get_resolver().url_patterns):
        path = simplify_regex(regex)
        path = re.sub(r"<(int:)?(pk|\w*_id|number|year|page)>", "1", path)
        paths.append(re.sub(r"<[^>]+>", "x", path))
    return sorted(set(paths))


@dataclass
class Visit:
    path: str
    status: int
    found_on: str
    content_type: str = ""
    cache_control: str = ""


@dataclass
class CrawlResult:
    visits: list[Visit] = field(default_factory=list)

    @property
    def broken(self) -> list[Visit]:
        return [v for v in self.visits if v.status == 404 or v.status >= 500]

    @property
    def pages(self) -> list[str]:
        """HTML pages that answered 200 (what a browser would render)."""
        return [v.path for v in self.visits if v.status == 200 and v.content_type.startswith("text/html")]

    def report(self) -> str:
        return "\n".join(f"{v.status} {v.path} (linked from {v.found_on})" for v in self.broken)


def crawl(client, *, start: str = "/", per_pattern: int = 3, by_query: bool = True, limit: int = 400) -> CrawlResult:
    """Breadth-first from ``start``; each URL pattern is visited at most ``per_pattern`` times
    (with ``by_query``, each pattern and set of query parameter names: a filtered list counts apart)."""
    result = CrawlResult()
    seen: set[str] = set()
    per_route: Counter[str] = Counter()
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    while queue and len(result.visits) < limit:
        path, found_on = queue.popleft()
        if path in seen or path.startswith(SKIP_PREFIXES):
            continue
        seen.add(path)
        route = pattern_of(path)
        if route is not None and not by_query:
            route = route.split("?")[0]
        if route is None:
            result.visits.append(Visit(path, 404, found_on))
            continue
        if per_route[route] >= per_pattern:
            continue
        per_route[route] += 1
        try:
            response = client.get(path)
        except Exception as exc:  # the test client re-raises a view's exception: that is a 500
            result.visits.append(Visit(path, 500, f"{found_on}; {exc.__class__.__name__}: {exc}"))
            continue
        content_type = response.get("Content-Type", "")
        result.visits.append(
            Visit(path, response.status_code, found_on, content_type, response.get("Cache-Control", ""))
        )
        if response.status_code in (301, 302, 303, 307, 308):
            target = links_in(f'<a href="{response["Location"]}">', "http://testserver" + path)
            queue.extend((link, path) for link in target)
            continue
        if route.split("?")[0] in DOWNLOAD_NAMES or not content_type.startswith("text/html"):
            continue
        body = response.content.decode(response.charset or "utf-8", errors="replace")
        for link in links_in(body, "http://testserver" + path):
            if link not in seen:
                queue.append((link, path))
    return result


# The demo roles a crawl logs in as; staff and ministry pass the second factor.
ROLES = {
    "anonymous": None,
    "company": "bedrijf1@demo.example",
    "staff": "rvo@demo.example",
    "ministry": "ministerie@demo.example",
}


def seed_crawl_state() -> None:
    """The demo data, plus what a company has after using the portal: a submitted registration
    with a signed declaration (its page and receipt) and a registration still in draft."""
    from django.core.management import call_command

    from declarations.constants import Decision
    from declarations.selectors import declaration_text_current
    from missions import services as mission_services
    from missions.models import Mission
    from organisations.models import Membership

    call_command("seed_demo", companies=5, instruments=DEMO_INSTRUMENTS, force=True, stdout=_Null())
    membership = Membership.objects.select_related("user", "organisation").get(user__email=ROLES["company"])
    user, organisation = membership.user, membership.organisation
    text = declaration_text_current(language="nl")
    submitted, draft = Mission.objects.filter(status="published").order_by("slug")[:2]
    for mission in (submitted, draft):
        if mission.registrations.filter(organisation=organisation).exists():
            continue
        registration = mission_services.registration_start(mission=mission, organisation=organisation, actor=user)
        mission_services.registration_draft_save(
            registration=registration,
            actor=user,
            step=4,
            motivation="Wij zoeken partners voor onderzoek & ontwikkeling.",
            participants=[{"name": user.full_name, "email": user.email, "position": "Directeur"}],
            data={
                "declaration": {
                    "decision": Decision.ENDORSED,
                    "signatory_name": user.full_name,
                    "signatory_position": "Directeur",
                    "confirms_authority": True,
                    "text_id": text.pk,
                    "explanation": "",
                }
            },
        )
        if mission == submitted:
            mission_services.registration_submit(registration=registration, actor=user)


def log_in(client, role: str):
    """Log the test client in as the demo user of ``role`` (staff and ministry with a second factor)."""
    from django.contrib.auth import get_user_model

    from tests.mfa import login_staff

    email = ROLES[role]
    if email is None:
        return None
    user = get_user_model().objects.get(email=email)
    if role in ("staff", "ministry"):
        login_staff(client, user)
    else:
        client.force_login(user)
    return user


class _Null:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass
