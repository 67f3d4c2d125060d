"""Deploy checks of the evidence anchors (``manage.py check --deploy``): a production portal needs a
time-stamping authority with its root and a receipt seal; the TEST PKI is for the demo and CI only."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def evidence_anchor_check(app_configs=None, **kwargs):
    if settings.DEBUG:
        return []
    problems = []
    if settings.EVIDENCE_TEST_PKI:
        problems.append(
            Error(
                "EVIDENCE_TEST_PKI is on with DEBUG off: the TEST PKI must never seal or anchor.",
                id="declarations.E101",
            )
        )
    if not [url for url in settings.DECLARATION_TSA_URL if url]:
        problems.append(
            Error(
                "DECLARATION_TSA_URL is unset: checkpoints and receipts get no RFC 3161 timestamp.",
                hint="Set one or more time-stamping authority URLs (comma separated) and DECLARATION_TSA_ROOTS.",
                id="declarations.E102",
            )
        )
    if not settings.DECLARATION_TSA_ROOTS:
        problems.append(
            Error("DECLARATION_TSA_ROOTS is unset: timestamp tokens cannot be verified.", id="declarations.E103")
        )
    if not (settings.DECLARATION_SEAL_CERT and settings.DECLARATION_SEAL_KEY):
        problems.append(
            Error(
                "DECLARATION_SEAL_CERT and DECLARATION_SEAL_KEY are required: receipts are PAdES-sealed.",
                id="declarations.E104",
            )
        )
    for name in ("DECLARATION_SEAL_CERT", "DECLARATION_SEAL_KEY"):
        if getattr(settings, name) and not Path(getattr(settings, name)).is_file():
            problems.append(Error(f"{name} is not a readable file.", id="declarations.E105"))
    for path in [*settings.DECLARATION_TSA_ROOTS, *settings.DECLARATION_SEAL_ROOTS, *settings.DECLARATION_SEAL_CHAIN]:
        if not Path(path).is_file():
            problems.append(Error(f"Certificate file {path} does not exist.", id="declarations.E106"))
    return problems
