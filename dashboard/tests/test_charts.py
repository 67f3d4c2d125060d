from dashboard.charts import bar_chart, target_gauge, trend_chart


def test_bar_chart_escapes_labels_and_draws_no_bar_for_suppressed_cells():
    svg = bar_chart([("<b>Missie</b>", 12, "12"), ("Klein", None, "< 5")], title="Titel & meer")
    assert "<b>" not in svg and "&lt;b&gt;Missie" in svg
    assert svg.count("<rect") == 1
    assert "&lt; 5" in svg
    assert 'role="img"' in svg and 'aria-label="Titel &amp; meer"' in svg
    assert "style=" not in svg


def test_trend_chart_marks_the_target_and_empty_input_draws_nothing():
    svg = trend_chart([("2024", 80.0), ("2025", None)], 90, title="Trend")
    assert 'stroke-dasharray="6 4"' in svg and "80%" in svg
    assert trend_chart([], 90, title="x") == "" and bar_chart([], title="x") == ""
    assert "90%" in target_gauge(None, 90)


def test_task_refreshes_the_rollups(db):
    from dashboard.models import RefreshState
    from dashboard.tasks import rollups_refresh

    assert rollups_refresh.delay().get() == 0
    assert RefreshState.objects.get(pk=1).facts == 0
