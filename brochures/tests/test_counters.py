"""The Redis buffer for read counts: nothing lost, nothing counted twice."""

import time

import pytest
from django.urls import reverse

from brochures import counters
from brochures.constants import Channel
from brochures.models import BrochureDailyCount
from brochures.selectors import rendition_for_version
from brochures.services import rendition_render

from .factories import published_brochure

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def buffer(settings, redis_scratch_url):
    import redis

    url = redis_scratch_url
    settings.BROCHURE_COUNT_BUFFER_URL = url
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield client
    counters.reads_send()
    client.flushdb()


def _sent() -> None:
    """Send this process's held reads and wait until Redis has them."""
    counters.reads_send()
    counters._sender(counters.settings.BROCHURE_COUNT_BUFFER_URL).sync()


@pytest.fixture
def published_version():
    return published_brochure()[1]


def _total() -> int:
    return sum(BrochureDailyCount.objects.values_list("count", flat=True))


def test_reads_are_buffered_then_flushed_once(buffer, published_version):
    version = published_version
    for _ in range(3):
        counters.brochure_read_record(version=version, channel=Channel.PDF, organisation_id=None)
    counters.brochure_read_record(version=version, channel=Channel.ONLINE, organisation_id=None)
    assert _total() == 0  # nothing written per read
    assert counters.read_counts_flush() == 4
    assert BrochureDailyCount.objects.get(channel=Channel.PDF).count == 3
    assert BrochureDailyCount.objects.get(channel=Channel.ONLINE).count == 1
    assert counters.read_counts_flush() == 0  # flushed once only
    assert _total() == 4


def test_a_flush_that_died_half_way_is_picked_up_by_the_next(buffer, published_version):
    counters.brochure_read_record(version=published_version, channel=Channel.PDF, organisation_id=None)
    _sent()
    buffer.rename(counters.BUFFER_KEY, counters.FLUSHING_PREFIX + "crashed")  # renamed, never written
    counters.brochure_read_record(version=published_version, channel=Channel.PDF, organisation_id=None)
    assert counters.read_counts_flush() == 2
    assert _total() == 2


def test_unreachable_buffer_counts_in_the_database(settings, published_version):
    settings.BROCHURE_COUNT_BUFFER_URL = "redis://127.0.0.1:1/0"
    counters.brochure_read_record(version=published_version, channel=Channel.PDF, organisation_id=None)
    counters.brochure_read_record(version=published_version, channel=Channel.PDF, organisation_id=None)
    assert counters.reads_send() == 2
    assert _total() == 2


def test_reads_are_held_in_the_process_for_at_most_a_moment(buffer, published_version, monkeypatch):
    """One packet to Redis per moment instead of one per download; nothing is lost."""
    monkeypatch.setattr(counters, "HOLD_SECONDS", 0.2)
    for _ in range(3):
        counters.brochure_read_record(version=published_version, channel=Channel.PDF, organisation_id=None)
    assert buffer.hlen(counters.BUFFER_KEY) == 0  # held
    deadline = time.monotonic() + 5
    while not buffer.hlen(counters.BUFFER_KEY) and time.monotonic() < deadline:
        time.sleep(0.05)  # the timer sends them
    assert list(buffer.hvals(counters.BUFFER_KEY)) == [b"3"]
    assert counters.read_counts_flush() == 3 and _total() == 3


def test_a_full_hold_is_sent_at_once(buffer, published_version, monkeypatch):
    monkeypatch.setattr(counters, "HOLD_SECONDS", 60)
    monkeypatch.setattr(counters, "HOLD_READS", 4)
    for _ in range(4):
        counters.brochure_read_record(version=published_version, channel=Channel.ONLINE, organisation_id=None)
    counters._sender(counters.settings.BROCHURE_COUNT_BUFFER_URL).sync()
    assert list(buffer.hvals(counters.BUFFER_KEY)) == [b"4"]
    assert counters.reads_send() == 0  # nothing left held


def test_pdf_download_goes_through_the_buffer(buffer, client, published_version):
    rendition_render(rendition_id=rendition_for_version(version=published_version).pk)
    response = client.get(reverse("brochures:pdf", args=[published_version.brochure.slug]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    _sent()
    assert _total() == 0 and buffer.hlen(counters.BUFFER_KEY) == 1
    counters.read_counts_flush()
    assert _total() == 1
