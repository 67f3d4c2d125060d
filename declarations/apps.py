from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("Declarations")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks of the evidence anchors)
        from .keys import evidence_keys_check
        from .mail_secrets import mail_secrets_register
        from .protection import declarations_protect_sqlite

        # A missing or malformed evidence key stops start-up with a clear message.
        evidence_keys_check()
        mail_secrets_register()  # e-mails get the verification code only as they are sent
        from core.metrics import register_collector

        from .metrics import evidence_metrics

        register_collector(evidence_metrics)  # records and checkpoint age on /metrics
        post_migrate.connect(declarations_protect_sqlite, sender=self, dispatch_uid="declarations_protect_sqlite")
        _jobs_register()


def _jobs_register() -> None:
    """Receipts and checkpoint copies on staff's page of failed background work (``core.jobs``)."""
    from core import jobs

    from .checkpoints import checkpoint_copy_retry
    from .models import CheckpointCopy, Receipt
    from .services import receipt_retry

    jobs.register(
        "declarations.receipt",
        Receipt,
        label=_("Receipt"),
        retry=lambda *, job, actor, request=None: receipt_retry(
            declaration=job.declaration, actor=actor, request=request
        ),
        describe=lambda receipt: receipt.declaration.reference or f"#{receipt.declaration_id}",
        queryset=lambda qs: qs.select_related("declaration"),
    )
    jobs.register(
        "declarations.checkpoint_copy",
        CheckpointCopy,
        label=_("Checkpoint copy"),
        retry=checkpoint_copy_retry,
        describe=lambda copy: f"{copy.checkpoint.number}",
        queryset=lambda qs: qs.select_related("checkpoint"),
    )
