"""Release notes read from a sidecar file next to the image."""

from __future__ import annotations

from pathlib import Path

from custom_components.esp_ota.firmware import read_sidecar_notes
from custom_components.esp_ota.firmware.release import MAX_NOTES_BYTES


def test_markdown_sidecar_with_the_same_stem_is_read(tmp_path: Path) -> None:
    (tmp_path / "garden.bin").write_bytes(b"\xe9")
    (tmp_path / "garden.md").write_text("# 2.0\n\n- faster valves\n", "utf-8")
    assert read_sidecar_notes(tmp_path / "garden.bin") == "# 2.0\n\n- faster valves"


def test_markdown_is_preferred_over_text(tmp_path: Path) -> None:
    (tmp_path / "garden.md").write_text("md", "utf-8")
    (tmp_path / "garden.txt").write_text("txt", "utf-8")
    assert read_sidecar_notes(tmp_path / "garden.bin") == "md"


def test_sidecar_named_after_the_full_file_name_is_read(tmp_path: Path) -> None:
    (tmp_path / "garden.bin.txt").write_text("notes", "utf-8")
    assert read_sidecar_notes(str(tmp_path / "garden.bin")) == "notes"


def test_no_sidecar_means_no_notes(tmp_path: Path) -> None:
    assert read_sidecar_notes(tmp_path / "garden.bin") is None


def test_blank_sidecar_means_no_notes(tmp_path: Path) -> None:
    (tmp_path / "garden.md").write_text("  \n", "utf-8")
    assert read_sidecar_notes(tmp_path / "garden.bin") is None


def test_undecodable_bytes_are_replaced_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "garden.txt").write_bytes(b"ok \xff")
    assert read_sidecar_notes(tmp_path / "garden.bin") == "ok \ufffd"


def test_huge_sidecar_is_cut_off(tmp_path: Path) -> None:
    (tmp_path / "garden.md").write_text("a" * (MAX_NOTES_BYTES * 2), "utf-8")
    notes = read_sidecar_notes(tmp_path / "garden.bin")
    assert notes is not None
    assert notes.startswith("a" * MAX_NOTES_BYTES)
    assert notes.endswith("…")
    assert len(notes) < MAX_NOTES_BYTES + 10


def test_directory_named_like_a_sidecar_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "garden.md").mkdir()
    (tmp_path / "garden.txt").write_text("txt", "utf-8")
    assert read_sidecar_notes(tmp_path / "garden.bin") == "txt"


def test_a_link_named_like_a_sidecar_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.txt").write_text("secret", "utf-8")
    (tmp_path / "garden.md").symlink_to(tmp_path / "elsewhere.txt")
    (tmp_path / "garden.txt").write_text("txt", "utf-8")
    assert read_sidecar_notes(tmp_path / "garden.bin") == "txt"
