"""What higher apps do when an instrument changes, without instruments importing them.

``brochures`` (a higher layer) registers a provider in its ``AppConfig.ready()`` that refreshes the
instrument's online IMVO brochure and answers which brochure version a reader opened; without a
provider nothing happens.
"""

from typing import Protocol

from django.db import transaction


class InstrumentProvider(Protocol):
    def instrument_changed(self, instrument_id: int) -> None: ...

    def imvo_brochure_version(self, instrument, *, language: str) -> str: ...


_providers: list[InstrumentProvider] = []


def provider_register(provider: InstrumentProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def instrument_changed_on_commit(instrument_id: int) -> None:
    """Tell the providers once the surrounding transaction has committed."""
    for provider in _providers:
        transaction.on_commit(lambda p=provider: p.instrument_changed(instrument_id))


def imvo_brochure_version(instrument, *, language: str) -> str:
    """A label of the exact IMVO brochure version of the instrument a reader sees now ("" if none)."""
    for provider in _providers:
        label = provider.imvo_brochure_version(instrument, language=language)
        if label:
            return label
    return ""
