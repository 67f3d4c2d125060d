from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.i18n import localised

from .constants import ImvoTopic


class AgendaItem(models.Model):
    """One item on a preparation session's agenda; IMVO items are mandatory and ticked off live."""

    session = models.ForeignKey(
        "missions.PreparationSession",
        verbose_name=_("preparation session"),
        on_delete=models.CASCADE,
        related_name="agenda_items",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Order on the agenda."))
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    imvo_topic = models.CharField(
        _("IMVO topic"),
        max_length=30,
        choices=ImvoTopic.choices,
        blank=True,
        help_text=_("Set for the mandatory IMVO items; these cannot be removed from the agenda."),
    )
    done_at = models.DateTimeField(_("covered at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ticked off by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["session", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "imvo_topic"],
                condition=~models.Q(imvo_topic=""),
                name="unique_imvo_topic_per_session",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localised(self, "title")

    @property
    def description(self) -> str:
        return localised(self, "description")

    @property
    def is_mandatory(self) -> bool:
        return bool(self.imvo_topic)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class FollowUpAction(models.Model):
    """An IMVO follow-up RVO agreed with an organisation for a mission (e.g. after a declined declaration)."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="follow_up_actions",
    )
    mission = models.ForeignKey(
        "missions.Mission", verbose_name=_("mission"), on_delete=models.CASCADE, related_name="follow_up_actions"
    )
    topic = models.CharField(_("topic"), max_length=200, help_text=_("What needs to happen, in a few words."))
    details = models.TextField(_("details"), blank=True, max_length=4000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The RVO employee responsible."),
    )
    due_on = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["done_at", "due_on", "pk"]
        indexes = [models.Index(fields=["done_at", "due_on"], name="followup_open_due_idx")]

    def __str__(self) -> str:
        return self.topic

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_on < timezone.localdate()
