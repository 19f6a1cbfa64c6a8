"""Settings from ``KEFU_*`` variables: spans, unknown names, the checkpoint directory."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import ConfigError
from engine.settings import Settings, load_settings, parse_span


@pytest.mark.parametrize("text, span", [("90d", timedelta(days=90)), ("12h", timedelta(hours=12)),
                                        (" 30m ", timedelta(minutes=30)), ("45s", timedelta(seconds=45))])
def test_spans_are_whole_numbers_of_seconds_minutes_hours_or_days(text, span):
    assert parse_span(text) == span


@pytest.mark.parametrize("text", ["", "0h", "2 hours", "1.5h", "-1d", "12", "9999999d"])
def test_a_malformed_span_names_the_variable_and_gives_examples(text):
    with pytest.raises(ConfigError) as error:
        load_settings({"KEFU_SESSION_IDLE_TIMEOUT": text}).span("session_idle_timeout")
    assert "KEFU_SESSION_IDLE_TIMEOUT" in str(error.value) and "2h" in str(error.value)


def test_session_limits_come_from_the_environment():
    settings = load_settings({"KEFU_SESSION_MAX_AGE": "1d"})
    assert settings.span("session_max_age") == timedelta(days=1)
    assert Settings().span("session_idle_timeout") == timedelta(hours=2)


def test_an_unknown_variable_gets_a_did_you_mean():
    with pytest.raises(ConfigError, match="KEFU_SESSION_IDLE_TIMEOUT"):
        load_settings({"KEFU_SESSION_IDLE_TIMOUT": "2h"})


def test_the_test_suites_own_variables_are_not_settings():
    # a test run keeping its screenshots (README: KEFU_TEST_SHOTS=DIR) also runs `kefu` in the CLI tests
    settings = load_settings({"KEFU_TEST_SHOTS": "/tmp/shots", "KEFU_SHOTS": "/tmp/shots",
                              "KEFU_TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1/x"})
    assert settings == Settings()


def test_the_workflow_cache_size_may_be_zero_but_not_negative_or_text():
    assert Settings().workflow_cache_size == 100
    assert load_settings({"KEFU_WORKFLOW_CACHE_SIZE": "0"}).workflow_cache_size == 0  # turned off
    assert load_settings({"KEFU_WORKFLOW_CACHE_SIZE": "1_000"}).workflow_cache_size == 1000
    for text in ("-1", "many", ""):
        with pytest.raises(ConfigError, match="KEFU_WORKFLOW_CACHE_SIZE.*0 or more"):
            load_settings({"KEFU_WORKFLOW_CACHE_SIZE": text})
    with pytest.raises(ConfigError, match="above zero"):  # the other numbers keep refusing 0
        load_settings({"KEFU_MAX_IMAGE_PIXELS": "0"})
