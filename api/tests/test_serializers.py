"""The declaration's hand-built answer (the hot path) is exactly what its declared fields give."""

import pytest

from api.selectors import checkpoints_covering, declarations_all
from api.serializers import DeclarationSerializer
from declarations.checkpoints import checkpoint_write

from . import world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("with_checkpoint", [False, True])
def test_fast_declaration_answer_equals_the_declared_fields(staff_actor, with_checkpoint):
    world.build(staff_actor, registrations=2)
    if with_checkpoint:
        checkpoint_write()
    declarations = list(declarations_all(personal=False))
    context = {"checkpoints": checkpoints_covering([d.sequence for d in declarations])}
    for declaration in declarations:
        fast = DeclarationSerializer(declaration, context=context).data
        declared = DeclarationSerializer(context=context)
        slow = {}
        for name, field in declared.fields.items():
            attribute = field.get_attribute(declaration)
            slow[name] = None if attribute is None else field.to_representation(attribute)
        assert fast == slow
        assert (fast["checkpoint"] is not None) == with_checkpoint
