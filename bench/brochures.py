"""Benchmark of brochure PDFs: render time per brochure, the render worker's peak RSS, and cached downloads.

    python bench/brochures.py [--renders 15] [--requests 200]

Sets up Django itself on a temporary SQLite database and media folder, publishes the bundled
brochures (Celery eager), then:
- renders every brochure/language ``--renders`` times in a separate worker-like process and prints
  median and p95 per brochure plus that process's peak RSS (targets: IMVO <= 1.5 s, RSS < 300 MB);
- times ``--requests`` downloads of a done PDF rendition through the whole Django stack (test
  client) against a static file of the portal served by the same stack (target: within 2x).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


STATIC_SAMPLE = "vendor/bootstrap/bootstrap.bundle.min.js"


def _bench_urlpatterns():
    """The portal's URLs plus the same static file served by a Django view (``django.views.static.serve``)."""
    from django.urls import re_path
    from django.views.static import serve

    from imvo_portal.urls import urlpatterns

    return [re_path(r"^bench-static/(?P<path>.*)$", serve, {"document_root": ROOT / "static"}), *urlpatterns]


def __getattr__(name):  # the module doubles as ROOT_URLCONF for the download timings
    if name == "urlpatterns":
        return _bench_urlpatterns()
    raise AttributeError(name)


def _redis_buffer_url() -> str | None:
    """A Redis for the read-count buffer: BENCH_REDIS_URL, else a local one on database 15 if it answers."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except Exception:
        return None
    return url


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def setup_django(workdir: str) -> None:
    # BENCH_DATABASE_URL (an empty PostgreSQL database, say) replaces the temporary SQLite file.
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{workdir}/media"
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "imvo_portal.settings"
    os.environ["LOG_LEVEL"] = "ERROR"
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "BROCHURE_COUNT_BUFFER_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()


def render_child(runs: int) -> None:
    """The worker side: render every published version ``runs`` times; print timings and peak RSS."""
    from brochures.constants import PDF_TEMPLATE, VersionStatus
    from brochures.models import BrochureVersion
    from brochures.services import rendition_context
    from imvo_portal.pdf import render_pdf

    results = {}
    versions = BrochureVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("brochure")
    for version in versions.order_by("brochure__position", "language"):
        render_pdf(PDF_TEMPLATE, rendition_context(version=version), language=version.language)  # warm-up
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            pdf = render_pdf(PDF_TEMPLATE, rendition_context(version=version), language=version.language)
            timings.append(time.perf_counter() - started)
        results[f"{version.brochure.slug} ({version.language}, {pdf.pages} p.)"] = timings
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"timings": results, "peak_rss_mb": peak_kb / 1024}))


def time_requests(client, url: str, count: int, warmup: int = 10) -> list[float]:
    for _ in range(warmup):
        b"".join(client.get(url).streaming_content)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200 and body, url
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=15)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--render-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args()

    if args.render_child:
        setup_django(args.workdir)
        render_child(args.renders)
        return 0

    with tempfile.TemporaryDirectory(prefix="imvo-bench-brochures-") as workdir:
        setup_django(workdir)
        from django.core.management import call_command
        from django.test import Client

        from brochures.demo import seed
        from brochures.models import Rendition

        call_command("migrate", verbosity=0)
        seed(companies=0, password="x", log=lambda message: None)
        assert Rendition.objects.filter(status="done").count() == 4, "renditions were not made"

        child = subprocess.run(
            [sys.executable, __file__, "--render-child", "--workdir", workdir, "--renders", str(args.renders)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        report = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"Render time per brochure ({args.renders} renders each, after one warm-up):")
        for name, timings in report["timings"].items():
            print(f"  {name:<40} median {statistics.median(timings):.3f} s   p95 {percentile(timings, 95):.3f} s")
        print(f"Render worker peak RSS: {report['peak_rss_mb']:.0f} MB")

        from django.test import override_settings

        client = Client()
        buffer_url = _redis_buffer_url()
        with override_settings(ROOT_URLCONF=__name__):
            # As deployed (Redis present): each download's count is one HINCRBY, flushed by beat.
            with override_settings(BROCHURE_COUNT_BUFFER_URL=buffer_url or ""):
                pdf = time_requests(client, "/brochures/imvo/nl/v1/pdf/", args.requests)
            # Embedded default (no Redis): each download's count is a database write.
            with override_settings(BROCHURE_COUNT_BUFFER_URL=""):
                pdf_direct = time_requests(client, "/brochures/imvo/nl/v1/pdf/", args.requests)
            static = time_requests(client, f"/bench-static/{STATIC_SAMPLE}", args.requests)
            whitenoise = time_requests(client, f"/static/{STATIC_SAMPLE}", args.requests)
        if buffer_url:
            from brochures.counters import read_counts_flush

            with override_settings(BROCHURE_COUNT_BUFFER_URL=buffer_url):
                read_counts_flush()
        rendition = Rendition.objects.get(version__brochure__slug="imvo", language="nl")
        size_static = (ROOT / "static" / STATIC_SAMPLE).stat().st_size
        print(
            f"Cached PDF download ({rendition.bytes // 1024} KB) vs a {size_static // 1024} KB static file, "
            f"{args.requests} requests each through Django's test client:"
        )
        pdf_label = "PDF view" + (" (counts buffered in Redis)" if buffer_url else " (no Redis found: direct counts)")
        rows = (
            (pdf_label, pdf),
            ("PDF view (direct DB counts)", pdf_direct),
            ("static file view", static),
            ("whitenoise", whitenoise),
        )
        for label, samples in rows:
            p50, p95 = percentile(samples, 50) * 1000, percentile(samples, 95) * 1000
            print(f"  {label:<44} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms")
        print(
            f"  PDF / static file view: p50 {percentile(pdf, 50) / percentile(static, 50):.2f}x   "
            f"p95 {percentile(pdf, 95) / percentile(static, 95):.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
