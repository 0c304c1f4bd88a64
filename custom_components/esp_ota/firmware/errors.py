"""Errors raised by the firmware package, all derived from ``FirmwareError``.

Every error has a clear English message (``str(err)``, for the command line
and logs) and a stable ``key``: a short snake_case string that the Home
Assistant layer maps to a translation key. Keys never change once released;
messages may be reworded.

No English reaches a translated text: an error also carries a ``variant`` (which
of its class's cases it is, "" for the plain one) and its ``facts`` as named
strings (numbers in decimal, bytes as ``0x..``). The class's ``variants`` table
names the facts each case provides; the translation of
``firmware_<key>[_<variant>]`` may use only those placeholders (a test checks
it against ``strings.json``).

Tree::

    FirmwareError
    ├── EmptyImageError            key "empty_image"
    ├── TruncatedImageError        key "truncated_image"
    ├── NotAnEspImageError         key "not_an_esp_image"
    │   └── CompressedImageError   key "compressed_image"
    │       └── CompressedFilesystemError  key "compressed_filesystem"
    ├── NotAnAppError              key "not_an_app" (an ESP image, not an OTA app)
    │   ├── BootloaderImageError   key "bootloader_image"
    │   ├── FactoryImageError      key "factory_image"
    │   ├── PartitionTableError    key "partition_table"
    │   └── MissingDescriptorError key "no_app_descriptor"
    ├── NotAFilesystemError        key "not_a_filesystem"
    │   └── BlankImageError        key "blank_image"
    ├── DecompressedTooLargeError  key "decompressed_too_large"
    ├── CorruptImageError          key "corrupt_image"
    ├── DescriptorError            key "descriptor_invalid"
    ├── FileTooLargeError          key "file_too_large"
    └── FitError                   (the image does not suit the board)
        ├── WrongTargetError       key "wrong_target"
        ├── WrongChipError         key "wrong_chip"
        └── TooLargeError          key "too_large"
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from .chips import ChipFamily
    from .kinds import ImageKind


class FirmwareError(Exception):
    """Base of every error raised by the firmware package."""

    key: ClassVar[str] = "firmware_error"
    #: Case name -> the facts that case carries ("" is the plain case).
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {"": ()}

    def __init__(
        self, message: str = "", *, variant: str = "", **facts: object
    ) -> None:
        """Keep the English message, the case and its facts as strings."""
        super().__init__(message)
        self.variant = variant
        self.facts: dict[str, str] = {name: str(v) for name, v in facts.items()}

    @property
    def translation_key(self) -> str:
        """Return ``key`` or ``key_variant``: the case a translation names."""
        return f"{self.key}_{self.variant}" if self.variant else self.key


class EmptyImageError(FirmwareError):
    """The image has no bytes at all."""

    key: ClassVar[str] = "empty_image"

    def __init__(self) -> None:
        """Build the error with its fixed message."""
        super().__init__("The firmware image is empty (0 bytes).")


class TruncatedImageError(FirmwareError):
    """The image ends before a structure it announces is complete."""

    key: ClassVar[str] = "truncated_image"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {"": ("needed", "size")}

    def __init__(self, what: str, needed: int, size: int) -> None:
        """Describe what was cut off and where."""
        message = (
            f"The firmware image is truncated: {what} needs {needed} bytes "
            f"but the image has only {size} bytes."
        )
        super().__init__(message, needed=needed, size=size)
        self.needed = needed
        self.size = size


class NotAnEspImageError(FirmwareError):
    """The bytes are not an ESP8266/ESP32 app image."""

    key: ClassVar[str] = "not_an_esp_image"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "": (),
        "first_byte": ("first_byte",),
        "no_header": (),
        "unknown_chip": ("chip_id",),
        "segment_count": ("segments", "max_segments"),
        "gzip_content": (),
    }


class CompressedImageError(NotAnEspImageError):
    """The image is gzip-compressed; only plain images can be inspected."""

    key: ClassVar[str] = "compressed_image"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {"": ()}

    def __init__(self) -> None:
        """Build the error with its fixed message."""
        super().__init__(
            "ESP32-family boards cannot install gzip-compressed images (their "
            "updater has no gzip path): upload the uncompressed .bin file."
        )


class CompressedFilesystemError(CompressedImageError):
    """A gzip file was given for the filesystem target, which has no gzip path."""

    key: ClassVar[str] = "compressed_filesystem"

    def __init__(self) -> None:
        """Build the error with its fixed message."""
        FirmwareError.__init__(
            self,
            "Filesystem images cannot be gzip-compressed: the board writes them "
            "as they are. Upload the uncompressed filesystem .bin.",
        )


class NotAnAppError(FirmwareError):
    """An ESP flash image that is not an app a board can take over the air."""

    key: ClassVar[str] = "not_an_app"


class BootloaderImageError(NotAnAppError):
    """A second-stage bootloader (``bootloader.bin``), not an app."""

    key: ClassVar[str] = "bootloader_image"

    def __init__(self) -> None:
        """Build the error with its fixed message."""
        super().__init__(
            "This is a bootloader, not an app: upload the app .bin "
            "(PlatformIO: firmware.bin)."
        )


class FactoryImageError(NotAnAppError):
    """A merged image (bootloader, partition table, app) for a serial flasher."""

    key: ClassVar[str] = "factory_image"

    def __init__(self) -> None:
        """Build the error with its fixed message."""
        super().__init__(
            "This is a merged factory image (bootloader + partitions + app) for a "
            "serial flasher: upload the app .bin (PlatformIO: firmware.bin)."
        )


class PartitionTableError(NotAnAppError):
    """An ESP32 partition table (``partitions.bin``)."""

    key: ClassVar[str] = "partition_table"

    def __init__(self) -> None:
        """Build the error with its fixed message."""
        super().__init__(
            "This is a partition table (partitions.bin), not an app or a "
            "filesystem image."
        )


class MissingDescriptorError(NotAnAppError):
    """An ESP32-family image without the ESP-IDF app descriptor."""

    key: ClassVar[str] = "no_app_descriptor"

    def __init__(self) -> None:
        """Build the error with its fixed message."""
        super().__init__(
            "This ESP32-family image has no app descriptor (magic 0xABCD5432 at "
            "offset 32), which every ESP-IDF and Arduino-ESP32 app carries: it is "
            "not an app a board can boot after an OTA update."
        )


class NotAFilesystemError(FirmwareError):
    """The filesystem target was given something that is no filesystem image."""

    key: ClassVar[str] = "not_a_filesystem"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "": (),
        "text_file": (),
        "damaged_app": (),
    }


class BlankImageError(NotAFilesystemError):
    """Every byte is the same erased (0xFF) or zero value."""

    key: ClassVar[str] = "blank_image"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {"": ("value",)}

    def __init__(self, value: int) -> None:
        """Name the byte the whole file consists of."""
        super().__init__(
            f"Every byte of the file is 0x{value:02X}: it holds no filesystem.",
            value=f"0x{value:02X}",
        )


class DecompressedTooLargeError(FirmwareError):
    """A gzip image inflates beyond what any ESP flash holds."""

    key: ClassVar[str] = "decompressed_too_large"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {"": ("limit",)}

    def __init__(self, limit: int) -> None:
        """Give the limit in bytes."""
        super().__init__(
            f"The gzip image inflates to more than {limit} bytes, more than any "
            "ESP flash holds.",
            limit=limit,
        )
        self.limit = limit


class CorruptImageError(FirmwareError):
    """A checksum or digest stored in the image does not match its content."""

    key: ClassVar[str] = "corrupt_image"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "": (),
        "checksum": (),
        "digest": (),
        "loader_entry": (),
        "sketch_magic": ("first_byte",),
        "sketch_entry": ("entry",),
        "crc": (),
        "gzip_data": (),
        "gzip_end": (),
    }


class DescriptorError(FirmwareError):
    """The ESP-IDF app descriptor is present but holds garbage."""

    key: ClassVar[str] = "descriptor_invalid"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "": (),
        "unterminated": ("field",),
        "not_utf8": ("field",),
        "control_chars": ("field",),
        "cut_short": ("length", "needed"),
    }


class FileTooLargeError(FirmwareError):
    """The file is larger than any ESP flash: no image can be that big."""

    key: ClassVar[str] = "file_too_large"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {"": ("size", "limit")}

    def __init__(self, size: int, limit: int) -> None:
        """Give the file's size and the limit in bytes."""
        super().__init__(
            f"The file has {size} bytes, more than any ESP flash holds "
            f"({limit} bytes).",
            size=size,
            limit=limit,
        )
        self.size = size
        self.limit = limit


class FitError(FirmwareError):
    """The image is valid but does not suit the board or the target."""

    key: ClassVar[str] = "fit_error"


class WrongTargetError(FitError):
    """An app image was given for the filesystem, or the other way round."""

    key: ClassVar[str] = "wrong_target"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "": (),
        "app": (),
        "filesystem": (),
    }

    def __init__(self, image_kind: ImageKind, target: ImageKind) -> None:
        """Name the image's kind and the target it was meant for."""
        message = (
            f"This is a {image_kind.value} image but the {target.value} "
            "target was chosen."
        )
        super().__init__(message, variant=target.value)
        self.image_kind = image_kind
        self.target = target


class WrongChipError(FitError):
    """The image was built for another chip than the board's."""

    key: ClassVar[str] = "wrong_chip"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "": ("image_chip", "board_chip")
    }

    def __init__(self, image_chip: ChipFamily, board_chip: ChipFamily) -> None:
        """Name both chips."""
        message = (
            f"The image is built for {image_chip.label} but the board is "
            f"{board_chip.label}."
        )
        super().__init__(
            message, image_chip=image_chip.label, board_chip=board_chip.label
        )
        self.image_chip = image_chip
        self.board_chip = board_chip


class TooLargeError(FitError):
    """The image does not fit in the space the board reported as free."""

    key: ClassVar[str] = "too_large"
    variants: ClassVar[Mapping[str, tuple[str, ...]]] = {"": ("size", "free")}

    def __init__(self, size: int, free: int) -> None:
        """Give both sizes in bytes."""
        message = (
            f"The image needs {size} bytes but the board reports only "
            f"{free} bytes free."
        )
        super().__init__(message, size=size, free=free)
        self.size = size
        self.free = free
