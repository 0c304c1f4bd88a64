"""A board's source settings and the redaction of their secrets (no Home Assistant)."""

from __future__ import annotations

from custom_components.esp_ota.sources.config import (
    DEFAULT_INTERVAL_MINUTES,
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    OPTION_KEY,
    REDACTED,
    SourceConfig,
    safe_url,
)


def test_a_source_round_trips_through_the_options_without_empty_credentials() -> None:
    config = SourceConfig(url="http://127.0.0.1/m.json", interval=30, token="t0k")

    assert config.as_options() == {
        "url": "http://127.0.0.1/m.json",
        "interval": 30,
        "token": "t0k",
    }
    assert SourceConfig.from_options({OPTION_KEY: config.as_options()}) == config
    assert SourceConfig.from_options({}) is None
    assert SourceConfig.from_options({OPTION_KEY: {"url": ""}}) is None


def test_the_kind_of_credentials_is_known_without_the_secret() -> None:
    assert SourceConfig(url="u", token="t").credentials == "bearer"
    assert SourceConfig(url="u", username="ci", password="pw").credentials == "basic"
    assert SourceConfig(url="u").credentials is None


def test_safe_url_drops_user_info_query_and_fragment() -> None:
    assert (
        safe_url("https://ci:secret@[::1]:8443/m.json?token=abc#x")
        == "https://[::1]:8443/m.json"
    )
    assert safe_url("http://host/m.json") == "http://host/m.json"


def test_redact_replaces_every_secret_and_the_raw_url() -> None:
    config = SourceConfig(
        url="http://ci:pw-123@127.0.0.1/m.json?k=1",
        username="ci-user",
        password="pw-123",
        token="tok-456",
    )

    text = config.redact(f"GET {config.url} as ci-user with pw-123 and tok-456 failed")

    assert text == (
        f"GET http://127.0.0.1/m.json as {REDACTED} with {REDACTED} "
        f"and {REDACTED} failed"
    )


def test_a_stored_interval_is_kept_within_its_bounds() -> None:
    def interval(value: object) -> int:
        config = SourceConfig.from_options(
            {OPTION_KEY: {"url": "http://127.0.0.1/m.json", "interval": value}}
        )
        assert config is not None
        return config.interval

    assert interval(30) == 30
    assert interval("45") == 45
    assert interval(30.0) == 30
    assert interval(0) == MIN_INTERVAL_MINUTES
    assert interval(-5) == MIN_INTERVAL_MINUTES
    assert interval(1) == MIN_INTERVAL_MINUTES
    assert interval(10**9) == MAX_INTERVAL_MINUTES
    for unreadable in ("soon", None, True, [15], float("inf"), float("nan")):
        assert interval(unreadable) == DEFAULT_INTERVAL_MINUTES
