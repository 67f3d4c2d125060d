"""The framework rule at every boundary (points thresholds and the risk minimums) and the risk suggestion."""

import itertools

import pytest

from instruments.rules import (
    LevelNeeds,
    Scores,
    framework_level,
    framework_points,
    imvo_risk_suggestion,
    level_needs,
    risk_override_needs_reason,
)


def scores(burden=1, lpf=1, cost=1, risk=1, size=1):
    return Scores(
        admin_burden=burden, level_playing_field=lpf, implementation_cost=cost, imvo_risk=risk, support_size=size
    )


@pytest.mark.parametrize(
    ("values", "points", "level"),
    [
        # restraint 1 (burden 1,1,1): points = 2*risk + size - 1
        ((1, 1, 1, 1, 2), 3, 0),  # highest points of level 0
        ((1, 1, 1, 1, 3), 4, 1),  # lowest points of level 1
        ((1, 1, 1, 3, 1), 6, 1),  # highest points of level 1
        ((1, 1, 1, 3, 2), 7, 2),  # lowest points of level 2
        ((1, 1, 1, 3, 4), 9, 2),  # highest points of level 2
        ((1, 1, 1, 3, 5), 10, 3),  # lowest points of level 3 (risk 3 allows it)
        ((1, 1, 1, 4, 3), 10, 3),
        ((1, 1, 1, 4, 4), 11, 3),  # highest points of level 3
        ((1, 1, 1, 4, 5), 12, 4),  # lowest points of level 4 (risk 4 allows it)
        ((1, 1, 1, 5, 5), 14, 4),  # the maximum
        ((5, 5, 5, 1, 1), -2, 0),  # the minimum
    ],
)
def test_points_thresholds(values, points, level):
    s = scores(*values)
    assert framework_points(s) == points
    assert framework_level(s) == level


@pytest.mark.parametrize(
    ("restraint_scores", "restraint"),
    [((1, 1, 1), 1), ((1, 1, 2), 1), ((1, 2, 2), 2), ((2, 2, 2), 2), ((2, 2, 3), 2), ((2, 3, 3), 3), ((5, 5, 4), 5)],
)
def test_restraint_is_the_mean_rounded_half_up(restraint_scores, restraint):
    s = scores(*restraint_scores, risk=5, size=5)
    assert framework_points(s) == 15 - restraint


def test_every_combination_is_proportional():
    """All 3,125 assessments: heavy levels only with real risk, and never lighter for more risk or support."""
    for values in itertools.product(range(1, 6), repeat=5):
        s = scores(*values)
        level = framework_level(s)
        assert 0 <= level <= 4
        if level >= 3:
            assert s.imvo_risk >= 3
        if level == 4:
            assert s.imvo_risk >= 4
        if s.imvo_risk < 5:
            assert framework_level(scores(*values[:3], s.imvo_risk + 1, s.support_size)) >= level
        if s.admin_burden < 5:
            assert framework_level(scores(s.admin_burden + 1, *values[1:])) <= level


def test_scores_outside_the_scale_are_refused():
    with pytest.raises(ValueError):
        scores(risk=0)
    with pytest.raises(ValueError):
        scores(size=6)


@pytest.mark.parametrize(
    ("sectors", "countries", "kind", "abroad", "expected"),
    [
        ([], [], "subsidy", False, 2),
        (["B"], [], "subsidy", False, 5),
        (["A", "J"], [], "subsidy", False, 4),
        (["J"], ["DE"], "subsidy", False, 2),
        (["J"], ["IN"], "subsidy", False, 3),
        (["J"], [], "subsidy", True, 3),
        (["J"], [], "mission", False, 3),
        (["J"], [], "advice", False, 1),
        (["B"], ["CD"], "loan", True, 5),  # capped at 5
    ],
)
def test_imvo_risk_suggestion(sectors, countries, kind, abroad, expected):
    assert imvo_risk_suggestion(sectors=sectors, countries=countries, kind=kind, used_abroad=abroad) == expected


@pytest.mark.parametrize(
    ("level", "suggested", "purposes", "phase", "reason"),
    [
        (0, 2, (), False, False),
        (1, 2, (1,), True, False),
        (2, 2, (1, 2), True, False),
        (3, 2, (1, 2, 3), True, True),  # one above the suggestion
        (4, 4, (1, 2, 3, 4), True, False),
        (1, None, (1,), True, False),  # no assessment: no suggestion to be above
    ],
)
def test_what_a_level_needs(level, suggested, purposes, phase, reason):
    assert level_needs(level=level, suggested_level=suggested) == LevelNeeds(
        purposes=purposes, phase=phase, higher_reason=reason
    )


def test_a_risk_other_than_the_suggestion_needs_a_reason():
    assert risk_override_needs_reason(imvo_risk=3, suggested_risk=4)
    assert not risk_override_needs_reason(imvo_risk=4, suggested_risk=4)
