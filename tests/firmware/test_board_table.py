"""The shipped board table: every row of board-ids.tsv maps to its chip.

This is the one test that reads ``../shared/data/board-ids.tsv`` (beside the
repository, or ``$ESP_OTA_BOARD_IDS``); it is skipped, saying why, when the
table is not there. The rest runs on the generated module and small tables.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from custom_components.esp_ota.firmware import (
    ChipFamily,
    boards as boards_module,
    family_for_board,
)
from custom_components.esp_ota.firmware.boards import (
    GENERATED_FAMILIES,
    MANUAL_FAMILIES,
)
from custom_components.esp_ota.firmware.chips import IMAGE_CHIP_IDS
from tools import gen_board_ids
from tools.gen_board_ids import TableError, mapping, read_rows, render

TSV = gen_board_ids.default_tsv()
HEADER = "# comment\nkind\tboard\tmcu\tsource\n"


@pytest.fixture(name="rows")
def fixture_rows() -> list[dict[str, str]]:
    """Return the rows of the shared table, or skip when it is absent."""
    if not TSV.is_file():
        pytest.skip(f"{TSV} is not there (the shared data sits beside the repo)")
    return read_rows(TSV.read_text("utf-8").splitlines())


def test_every_row_of_the_shared_table_maps_to_its_chip(
    rows: list[dict[str, str]],
) -> None:
    assert len(rows) > 700
    wrong = {row["board"]: (row["mcu"], family_for_board(row["board"])) for row in rows}
    wrong = {b: pair for b, pair in wrong.items() if pair[1] != ChipFamily(pair[0])}
    assert not wrong


def test_generated_module_is_up_to_date(rows: list[dict[str, str]]) -> None:
    module = Path(boards_module.__file__).with_name("board_ids.py")
    assert module.read_text("utf-8") == render(rows, TSV.name)


@pytest.mark.parametrize(
    ("board", "family"),
    [
        ("m5stack_cores3", ChipFamily.ESP32S3),
        ("heltec_wifi_kit_32_V3", ChipFamily.ESP32S3),
        ("XIAO_ESP32C5", ChipFamily.ESP32C5),
        ("d32_pro", ChipFamily.ESP32),
        ("sonoff", ChipFamily.ESP8266),
        ("ESP8266_NODEMCU", ChipFamily.ESP8266),
        ("PLATFORMIO_NODEMCUV2", ChipFamily.ESP8266),
    ],
)
def test_ids_the_issue_names_are_known(board: str, family: ChipFamily) -> None:
    assert family_for_board(board) is family


def test_hand_kept_ids_agree_with_the_generated_table() -> None:
    assert len(GENERATED_FAMILIES) > 400
    assert {
        key: family
        for key, family in MANUAL_FAMILIES.items()
        if GENERATED_FAMILIES.get(key, family) is not family
    } == {}


def test_every_chip_id_esptool_knows_is_known() -> None:
    targets = pytest.importorskip("esptool.targets")
    ids = {
        chip.IMAGE_CHIP_ID: name
        for name, chip in targets.CHIP_DEFS.items()
        if name != "esp8266"
    }
    assert {chip_id: IMAGE_CHIP_IDS[chip_id].value for chip_id in ids} == ids


def test_unknown_id_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    boards_module._logged_unknown.discard("never-seen-board")
    with caplog.at_level(logging.INFO, logger=boards_module.__name__):
        assert family_for_board("never-seen-board") is None
        assert family_for_board("NEVER-SEEN-BOARD") is None
    logged = [r for r in caplog.records if "never-seen-board" in r.getMessage()]
    assert len(logged) == 1
    assert "not checked" in logged[0].getMessage()


def test_generator_normalises_and_refuses_ambiguous_ids(tmp_path: Path) -> None:
    good = HEADER + "x\tPLATFORMIO_D1\tesp8266\trepo@1\nx\tLolin_S3\tesp32s3\trepo@2\n"
    assert mapping(read_rows(good.splitlines())) == {
        "d1": "esp8266",
        "lolin_s3": "esp32s3",
    }
    ambiguous = HEADER + "x\tD1\tesp8266\tr@1\nx\tPLATFORMIO_D1\tesp32\tr@1\n"
    with pytest.raises(TableError, match="names both"):
        mapping(read_rows(ambiguous.splitlines()))
    with pytest.raises(TableError, match="columns"):
        read_rows(["board\tmcu"])
    with pytest.raises(TableError, match="without board"):
        mapping(read_rows((HEADER + "x\t\tesp32\tr@1\n").splitlines()))


def test_generator_writes_a_module_that_names_its_source(tmp_path: Path) -> None:
    table = tmp_path / "ids.tsv"
    table.write_text(HEADER + "x\td1\tesp8266\trepo@abc\n" * 2, "utf-8")
    out = tmp_path / "board_ids.py"
    assert gen_board_ids.main([str(table), str(out)]) == 0
    text = out.read_text("utf-8")
    assert "generated from ids.tsv: do not edit" in text
    assert "- repo@abc" in text
    namespace: dict[str, object] = {}
    exec(compile(text, str(out), "exec"), namespace)  # noqa: S102 - our own output
    assert namespace["BOARD_IDS"] == {"esp8266": "d1"}


def test_generator_reports_a_missing_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gen_board_ids.main([str(tmp_path / "absent.tsv"), str(tmp_path / "o")]) == 1
    assert "gen_board_ids:" in capsys.readouterr().err
    assert gen_board_ids.main(["a", "b", "c"]) == 2


def test_default_table_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(gen_board_ids.BOARD_IDS_ENV, str(tmp_path / "t.tsv"))
    assert gen_board_ids.default_tsv() == tmp_path / "t.tsv"
    monkeypatch.delenv(gen_board_ids.BOARD_IDS_ENV)
    assert gen_board_ids.default_tsv().parts[-3:] == ("shared", "data", "board-ids.tsv")
