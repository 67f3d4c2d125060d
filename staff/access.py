"""Transitional alias, removed once every staff view imports ``staff.views.base.StaffPageMixin``."""

from .views.base import StaffPageMixin as StaffRequiredMixin

__all__ = ["StaffRequiredMixin"]
