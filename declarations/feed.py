"""``/verify/checkpoints/``: the public, cacheable feed of every checkpoint head, for auditors to mirror.

A checkpoint only protects against its own operator when copies of it live where the operator
cannot reach: auditors and the ministry poll this feed and keep what they saw, so a checkpoint
that later disappears or changes is caught by comparing (``tools/verify_bundle.py``). Each entry
carries the signed payload, its Ed25519 signature and key id, the payload's digest and the RFC
3161 token over that digest with the TSA's genTime.

- ``/verify/checkpoints/?after=N``: JSON, the heads after number N in order, at most
  ``CHECKPOINT_FEED_PAGE_SIZE`` per page with a ``next`` link (one query per page, however long
  the chain);
- ``/verify/checkpoints/atom/``: an Atom feed of the latest ``CHECKPOINT_FEED_ATOM_ENTRIES`` heads;
- ``/verify/checkpoints/about/``: what this is, for people (NL/EN).

Responses are public (``Cache-Control: public, max-age``) with an ETag over the body, so a mirror
or a cache revalidates cheaply (304).
"""

import base64
import hashlib
import json
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from .checkpoints import checkpoint_digest, checkpoint_payload
from .keys import checkpoint_public_keys, public_key_text
from .models import Checkpoint

FEED_FORMAT = 1


def checkpoint_heads(*, after: int = -1, limit: int) -> list[Checkpoint]:
    """The checkpoints numbered after ``after`` (-1: from the genesis, number 0), oldest first, with
    their timestamp (one query)."""
    return list(Checkpoint.objects.filter(number__gt=after).select_related("timestamp").order_by("number")[:limit])


def checkpoint_latest_heads(*, limit: int) -> list[Checkpoint]:
    """The latest ``limit`` checkpoints, newest first, with their timestamp (one query)."""
    return list(Checkpoint.objects.select_related("timestamp").order_by("-number")[:limit])


def checkpoint_head(checkpoint: Checkpoint) -> dict:
    """One feed entry: the signed payload, signature, digest and the RFC 3161 timestamp (or null)."""
    stamp = getattr(checkpoint, "timestamp", None)
    return {
        "number": checkpoint.number,
        "sequence": checkpoint.sequence,
        "record_hash": checkpoint.record_hash,
        "record_count": checkpoint.record_count,
        "created_at": checkpoint_payload(checkpoint)["created_at"],
        "payload": checkpoint_payload(checkpoint),
        "digest": checkpoint_digest(checkpoint),
        "signature": checkpoint.signature,
        "signing_key_id": checkpoint.signing_key_id,
        "timestamp": None
        if stamp is None
        else {
            "token": base64.b64encode(bytes(stamp.token)).decode("ascii"),
            "gen_time": stamp.gen_time.isoformat().replace("+00:00", "Z"),
            "tsa_url": stamp.tsa_url,
        },
    }


def _cached(request, body: bytes, content_type: str) -> HttpResponse:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={settings.CHECKPOINT_FEED_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"  # mirrors may read it from anywhere; nothing private
    return response


class CheckpointFeedJsonView(View):
    def get(self, request):
        try:
            after = max(int(request.GET.get("after", "-1") or -1), -1)
        except ValueError:
            raise Http404("after must be a checkpoint number") from None
        size = settings.CHECKPOINT_FEED_PAGE_SIZE
        heads = checkpoint_heads(after=after, limit=size + 1)
        more = len(heads) > size
        heads = heads[:size]
        base = request.build_absolute_uri(reverse("checkpoint_feed"))
        document = {
            "format": FEED_FORMAT,
            "description": "Signed, RFC 3161-timestamped checkpoint heads of the IMVO declaration register. "
            "Mirror this feed: a head that later changes or disappears shows tampering.",
            "about": request.build_absolute_uri(reverse("checkpoint_feed_about")),
            "public_keys": {key_id: public_key_text(key) for key_id, key in checkpoint_public_keys().items()},
            "after": after,
            "checkpoints": [checkpoint_head(c) for c in heads],
            "next": f"{base}?{urlencode({'after': heads[-1].number})}" if more else None,
        }
        body = json.dumps(document, sort_keys=True, indent=1).encode("utf-8") + b"\n"
        return _cached(request, body, "application/json")


class CheckpointFeedAtomView(View):
    def get(self, request):
        heads = checkpoint_latest_heads(limit=settings.CHECKPOINT_FEED_ATOM_ENTRIES)
        feed = feedgenerator.Atom1Feed(
            title=_("IMVO declaration register: signed checkpoints"),
            link=request.build_absolute_uri(reverse("checkpoint_feed_about")),
            feed_url=request.build_absolute_uri(reverse("checkpoint_feed_atom")),
            description=_("Every signed and timestamped head of the declaration register, for auditors to mirror."),
            feed_guid="urn:imvo:declaration-checkpoints",
        )
        json_url = request.build_absolute_uri(reverse("checkpoint_feed"))
        for checkpoint in heads:
            stamp = getattr(checkpoint, "timestamp", None)
            feed.add_item(
                title=_("Checkpoint %(number)s: record #%(sequence)s")
                % {
                    "number": checkpoint.number,
                    "sequence": checkpoint.sequence,
                },
                link=f"{json_url}?{urlencode({'after': checkpoint.number - 1})}",
                description=json.dumps(checkpoint_head(checkpoint), sort_keys=True),
                unique_id=f"urn:imvo:declaration-checkpoint:{checkpoint.number}",
                unique_id_is_permalink=False,
                pubdate=checkpoint.created_at,
                updateddate=stamp.gen_time if stamp else checkpoint.created_at,
            )
        body = feed.writeString("utf-8").encode("utf-8")
        return _cached(request, body, "application/atom+xml; charset=utf-8")


class CheckpointFeedAboutView(TemplateView):
    template_name = "declarations/checkpoint_feed_about.html"
