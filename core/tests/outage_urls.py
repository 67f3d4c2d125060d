"""Views that fail in the ways a database outage makes requests fail (core/tests/test_outage.py)."""

from django.contrib.sessions.models import Session
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

handler500 = "core.views.server_error"


def _session(key: str) -> Session:
    return Session.objects.create(session_key=key, session_data="x", expire_date=timezone.now())


@csrf_exempt
def read_fails(request):
    raise OperationalError("could not connect to server")


@csrf_exempt
def write_rolled_back(request):
    with transaction.atomic():
        _session("outage-rolled-back")
        raise OperationalError("server closed the connection unexpectedly")


@csrf_exempt
def write_committed_then_fails(request):
    with transaction.atomic():
        _session("outage-committed")
    raise OperationalError("server closed the connection unexpectedly")


@csrf_exempt
def write_in_autocommit_fails(request):
    _session("outage-autocommit")
    raise OperationalError("server closed the connection unexpectedly")


@csrf_exempt
def write_commit_cut_off(request):
    with transaction.atomic():
        _session("outage-cut-off")
    return HttpResponse("unreachable")


@csrf_exempt
def bug(request):
    raise RuntimeError("a bug, not an outage")


urlpatterns = [
    path("read-fails/", read_fails),
    path("write-rolled-back/", write_rolled_back),
    path("write-committed-then-fails/", write_committed_then_fails),
    path("write-in-autocommit-fails/", write_in_autocommit_fails),
    path("write-commit-cut-off/", write_commit_cut_off),
    path("bug/", bug),
    # Under /api/ the same failures are answered as problems (core/problems.py), not HTML pages.
    path("api/read-fails/", read_fails),
    path("api/write-rolled-back/", write_rolled_back),
    path("api/write-committed-then-fails/", write_committed_then_fails),
    path("api/bug/", bug),
    path("", include("imvo_portal.urls")),
]
