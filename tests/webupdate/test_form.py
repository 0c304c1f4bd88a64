"""Recognising the cores' updater form and reading their answers."""

from __future__ import annotations

import pytest

from custom_components.esp_ota.webupdate import (
    BoardErrorReason,
    BoardUpdateError,
    UpdaterForm,
    check_answer,
    is_board_challenge,
    parse_form,
)
from tools.esp_emulator.web_updater import FORM_PAGE, LEGACY_FORM_PAGE, SUCCESS_PAGE


def test_the_cores_form_offers_flash_and_filesystem() -> None:
    assert parse_form(FORM_PAGE) == UpdaterForm("firmware", "filesystem")


def test_the_old_esp8266_form_offers_flash_under_its_own_field_name() -> None:
    assert parse_form(LEGACY_FORM_PAGE) == UpdaterForm("update", None)


@pytest.mark.parametrize(
    "page",
    [
        "<html><body>Hello from my ESP</body></html>",
        "<form method='GET' enctype='multipart/form-data'><input type='file' name='x'></form>",
        "<form method='post'><input type='file' name='x'></form>",
        "<form method='POST' enctype='multipart/form-data'><input type='text' name='x'></form>",
        (
            "<form method='POST' enctype='multipart/form-data'>"
            "<input type='file' name='filesystem'></form>"
        ),
        "",
    ],
)
def test_other_pages_are_not_the_updater(page: str) -> None:
    assert parse_form(page) is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('Basic realm="Login Required"', True),
        ('basic realm="login required"', True),
        ('Basic realm="Router"', False),
        ('Digest realm="Login Required", nonce="x"', False),
        ("", False),
        (None, False),
    ],
)
def test_only_the_cores_challenge_counts_as_the_updater_asking_for_credentials(
    header: str | None, expected: bool
) -> None:
    assert is_board_challenge(header) is expected


def test_the_success_page_is_success() -> None:
    check_answer(SUCCESS_PAGE)


@pytest.mark.parametrize(
    ("body", "reason", "message"),
    [
        (
            "Update error: ERROR[4]: Not Enough Space\n",
            "not_enough_space",
            "ERROR[4]: Not Enough Space",
        ),
        ("Update error: Not Enough Space\r\n", "not_enough_space", "Not Enough Space"),
        (
            "Update error: ERROR[10]: Magic byte is wrong, not 0xE9\n",
            "wrong_magic",
            None,
        ),
        ("Update error: Wrong Magic Byte\r\n", "wrong_magic", None),
        ("Update error: ERROR[5]: Bad Size Given\n", "bad_size", None),
        ("Update error: ERROR[9]: MD5 Failed: expected:a, calculated:b\n", "md5", None),
        ("Update error: MD5 Check Failed\r\n", "md5", None),
        ("Update error: ERROR[11]: Signature verification failed\n", "signature", None),
        ("Update error: ERROR[6]: Stream Read Timeout\n", "stream_timeout", None),
        ("Update error: ERROR[1]: Flash Write Failed\n", "flash", None),
        ("Update error: Wrong origin received!", "wrong_origin", None),
        ("Update error: ERROR[99]: UNKNOWN\n", "other", "ERROR[99]: UNKNOWN"),
        ("Update error: ", "other", "no reason given"),
        (
            "<html>Something else entirely</html>",
            "other",
            "<html>Something else entirely</html>",
        ),
    ],
)
def test_error_answers_keep_the_boards_text_and_say_what_it_means(
    body: str, reason: str, message: str | None
) -> None:
    with pytest.raises(BoardUpdateError) as err:
        check_answer(body)
    assert err.value.reason is BoardErrorReason(reason)
    if message is not None:
        assert err.value.board_message == message


def test_board_text_is_cleaned_and_bounded() -> None:
    with pytest.raises(BoardUpdateError) as err:
        check_answer("Update error: \x1b[31mbad\x00 " + "x" * 1000)
    assert err.value.board_message.startswith("[31mbad x")
    assert len(err.value.board_message) == 200
