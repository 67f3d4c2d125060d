"""Reading material that higher apps offer for a mission, without missions importing them.

``brochures`` (a higher layer) registers a provider in its ``AppConfig.ready()``; the mission page
and the registration's IMVO step ask this module. Without a provider (e.g. brochures not
installed) there are simply no links.
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ResourceLink:
    label: str
    url: str


@dataclass(frozen=True)
class ImvoBrochure:
    url: str
    version: str  # a label of the exact version a reader opens now, kept in the evidence


class ResourceProvider(Protocol):
    def mission_links(self, mission, *, language: str) -> list[ResourceLink]: ...

    def imvo_brochure(self, *, language: str) -> ImvoBrochure | None: ...


_providers: list[ResourceProvider] = []


def provider_register(provider: ResourceProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def mission_links(mission, *, language: str) -> list[ResourceLink]:
    return [link for provider in _providers for link in provider.mission_links(mission, language=language)]


def imvo_brochure(*, language: str) -> ImvoBrochure | None:
    for provider in _providers:
        brochure = provider.imvo_brochure(language=language)
        if brochure is not None:
            return brochure
    return None
