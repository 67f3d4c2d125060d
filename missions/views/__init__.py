"""Views of the missions app: the public catalogue, the registration wizard and the signing page
(``my_views`` has the /my/ pages)."""

from .catalogue import MissionDetailView, MissionListView
from .registration import BrochureOpenView, RegisterStartView, RegistrationStepView
from .signing import SignView

__all__ = [
    "BrochureOpenView",
    "MissionDetailView",
    "MissionListView",
    "RegisterStartView",
    "RegistrationStepView",
    "SignView",
]
