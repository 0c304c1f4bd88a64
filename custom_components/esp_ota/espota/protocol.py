"""The ArduinoOTA wire format: invitation, authentication, acknowledgements.

Pure functions and a small parser, no I/O. Upstream references:
esp8266/Arduino ``libraries/ArduinoOTA/ArduinoOTA.cpp`` and ``tools/espota.py``;
espressif/arduino-esp32 ``libraries/ArduinoOTA/src/ArduinoOTA.cpp`` and
``tools/espota.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
import hashlib
import re

AUTH_COMMAND = 200
"""Command number of the authentication datagram (espota.py's ``AUTH``)."""

# arduino-esp32 3.3.1+ derives the challenge key with PBKDF2-HMAC-SHA256 and
# 10000 rounds (ArduinoOTA.cpp: PBKDF2_HMACBuilder(&sha256, password, salt, 10000)).
PBKDF2_ROUNDS = 10_000

_HEX_RE = re.compile(r"^[0-9a-f]+$")


class Command(IntEnum):
    """What the board does with the image."""

    FLASH = 0
    """Write the image to the app partition (U_FLASH)."""
    FILESYSTEM = 100
    """Write the image to the SPIFFS/LittleFS partition (U_SPIFFS / U_FS)."""


class AuthScheme(StrEnum):
    """Challenge schemes boards in the field use, told apart by the nonce length."""

    MD5 = "md5"
    """ESP8266 and arduino-esp32 before 3.3.1: 32-hex nonce, MD5 digests."""
    PBKDF2_SHA256 = "pbkdf2-sha256"
    """arduino-esp32 3.3.1+: 64-hex nonce, SHA-256 digests, PBKDF2 key."""


class PasswordHash(StrEnum):
    """How the board stores the password (``setPassword`` / ``setPasswordHash``)."""

    MD5 = "md5"
    SHA256 = "sha256"


def md5_hex(data: bytes | str) -> str:
    """Return the lowercase hex MD5 of bytes or UTF-8 text."""
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.md5(raw, usedforsecurity=False).hexdigest()


def sha256_hex(data: bytes | str) -> str:
    """Return the lowercase hex SHA-256 of bytes or UTF-8 text."""
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def format_invitation(command: Command, host_port: int, size: int, md5: str) -> bytes:
    r"""Return the invitation datagram: ``"<cmd> <port> <size> <md5>\\n"``."""
    if len(md5) != 32 or not _HEX_RE.match(md5):
        msg = "md5 must be 32 lowercase hex characters"
        raise ValueError(msg)
    return f"{int(command)} {host_port} {size} {md5}\n".encode()


def scheme_for_nonce(nonce: str) -> AuthScheme | None:
    """Tell the challenge scheme from the nonce the board sent (None: unknown)."""
    if not _HEX_RE.match(nonce):
        return None
    if len(nonce) == 32:
        return AuthScheme.MD5
    if len(nonce) == 64:
        return AuthScheme.PBKDF2_SHA256
    return None


def password_digest(password: str, stored_as: PasswordHash) -> str:
    """Return the hex hash the board keeps for the password."""
    if stored_as is PasswordHash.MD5:
        return md5_hex(password)
    return sha256_hex(password)


def auth_response(
    scheme: AuthScheme, password_hash: str, nonce: str, cnonce: str
) -> str:
    """Return the response digest the board expects for this challenge.

    MD5: ``md5(passhash:nonce:cnonce)``. PBKDF2-SHA256:
    ``key = pbkdf2_hmac_sha256(passhash, nonce:cnonce, 10000)`` then
    ``sha256(hex(key):nonce:cnonce)``.
    """
    if scheme is AuthScheme.MD5:
        return md5_hex(f"{password_hash}:{nonce}:{cnonce}")
    salt = f"{nonce}:{cnonce}".encode()
    key = hashlib.pbkdf2_hmac("sha256", password_hash.encode(), salt, PBKDF2_ROUNDS)
    return sha256_hex(f"{key.hex()}:{nonce}:{cnonce}")


def make_cnonce(scheme: AuthScheme, seed: str) -> str:
    """Return a client nonce of the length the scheme requires (32 or 64 hex)."""
    if scheme is AuthScheme.MD5:
        return md5_hex(seed)
    return sha256_hex(seed)


def format_auth(cnonce: str, response: str) -> bytes:
    r"""Return the authentication datagram: ``"200 <cnonce> <response>\\n"``."""
    return f"{AUTH_COMMAND} {cnonce} {response}\n".encode()


@dataclass(frozen=True, slots=True)
class InvitationReply:
    """A board's answer to an invitation or to the authentication datagram."""

    kind: str
    """``ok``, ``auth``, ``auth_failed``, ``refused`` or ``unknown``."""
    text: str
    """The nonce for ``auth``, the reason for ``refused``, else the raw text."""


def parse_reply(data: bytes) -> InvitationReply:
    """Classify a UDP answer from the board."""
    text = data.decode("utf-8", "replace").strip("\x00").strip()
    if text == "OK":
        return InvitationReply("ok", text)
    if text.startswith("AUTH"):
        parts = text.split()
        if len(parts) >= 2:
            return InvitationReply("auth", parts[1])
        return InvitationReply("unknown", text)
    if text.startswith("Authentication Failed"):
        return InvitationReply("auth_failed", text)
    if text.startswith("ERR"):
        reason = text[3:].lstrip(":").strip()
        return InvitationReply("refused", reason or text)
    return InvitationReply("unknown", text)


class AckParser:
    """Turn the board's undelimited ASCII byte counts into a confirmed total.

    Boards print each count with no separator, so several can arrive glued
    (``"14601460"``) and one can arrive split over two reads (``"14"``,
    ``"60"``). The last count stays pending, as the next read may continue it;
    every read re-splits the pending run (that count and the new digits)
    into counts without leading zeros
    whose sum fits what the board can have received (``receivable``); among
    those the split with the fewest counts wins, then one that exactly
    completes the image, then the most even one. An ESP32 re-sends its last count after 1 s of silence
    (arduino-esp32 ``ArduinoOTA.cpp``: ``if (written && tried++ < 3)
    client.printf("%lu", written)``): a lone repeat after such a silence is
    not new data. The first non-digit starts the board's final text (``OK``
    or an error), kept verbatim. Counts only drive progress; the final text
    decides success.
    """

    def __init__(self, total: int) -> None:
        """Start with nothing confirmed for an image of ``total`` bytes."""
        self.total = total
        self.committed = 0
        self.pending = ""
        self.parts: list[int] = []
        """The split of ``pending`` found so far."""
        self.last_count = 0
        self.text = ""

    @property
    def acked(self) -> int:
        """Bytes the board confirmed writing."""
        return self.committed + sum(self.parts)

    @property
    def waiting(self) -> bool:
        """Return whether pending digits await a larger ``receivable``."""
        return len(self.pending) > sum(len(str(part)) for part in self.parts)

    @property
    def has_text(self) -> bool:
        """Return whether the board has started its final message."""
        return bool(self.text)

    def feed(
        self, data: bytes, receivable: int | None = None, silent_for: float = 0.0
    ) -> int:
        """Consume bytes from the board; return the confirmed total.

        ``receivable``: the most the board can have received so far;
        ``silent_for``: seconds the board had been silent before ``data``.
        """
        chunk = data.decode("ascii", "replace")
        if self.text:
            self.text += chunk
            return self.acked
        match = re.match(r"\d*", chunk)
        digits = match.group(0) if match else ""
        rest = chunk[len(digits) :]
        if self._is_repeat(digits, rest, silent_for):
            return self.acked
        limit = self.total if receivable is None else min(receivable, self.total)
        if digits or self.pending:
            self.pending += digits
            self._split(limit, keep=0 if rest else 1)
        if rest:
            self._split(self.total, keep=0)
            self.text = rest
        return self.acked

    def _is_repeat(self, digits: str, rest: str, silent_for: float) -> bool:
        return (
            not rest
            and silent_for >= REPEAT_SILENCE
            and self.last_count > 0
            and digits == str(self.last_count)
        )

    def _best_split(self, bound: int, remaining: int, cap: int | None) -> list[int]:
        """Split the pending run afresh or continue the known split; pick one."""
        candidates: list[list[int]] = []
        known = "".join(str(part) for part in self.parts)
        if self.parts and len(self.pending) > len(known):
            done = sum(self.parts)
            tail = split_counts(
                self.pending[len(known) :], bound - done, remaining - done, cap
            )
            separate = self.parts + tail if tail else []
            largest = bound if cap is None else min(bound, cap)
            if len(separate) == 2 and int(self.pending) > largest:
                # The usual case, one count after another: joined they are too
                # big for one count, so no split has fewer than these two.
                return separate
            candidates.append(separate)
        candidates.append(split_counts(self.pending, bound, remaining, cap))
        return max(candidates, key=lambda c: (sum(c) == remaining, sum(c)))

    def _split(self, limit: int, keep: int) -> None:
        """Re-split the pending run; commit all but its last ``keep`` counts.

        Two readings compete: the whole run split afresh (a count may have
        been cut between reads) and the counts already found plus a split of
        the new digits; one that completes the image wins, else the larger
        total within the bound.
        """
        if not self.pending:
            return
        remaining = self.total - self.committed
        bound = max(0, min(limit - self.committed, remaining))
        known = sum(len(str(part)) for part in self.parts)
        glued = len(self.pending) - known > _SHORT_RUN
        parts: list[int] = []
        if glued:
            # Many glued counts come from an ESP32, whose every count is at
            # most one 1460-byte read; fewest counts under a loose bound would
            # merge them into big wrong ones.
            parts = self._best_split(bound, remaining, ESP32_MAX_READ)
        if not parts:
            parts = self._best_split(bound, remaining, None)
        if not parts:
            if bound >= remaining:
                # Not even the rest of the image fits, and more digits never
                # make a run fit: drop it (its known counts stay confirmed)
                # rather than search an ever longer run on every read.
                self.committed += sum(self.parts)
                self.pending = ""
                self.parts = []
            return  # else not parseable yet: wait for more to be receivable
        self.parts = parts
        self.last_count = parts[-1]
        kept = parts[-keep:] if keep else []
        self.committed += sum(parts[: len(parts) - len(kept)])
        self.pending = "".join(str(part) for part in kept)
        self.parts = kept


# Two 4-digit counts: a longer new run is read as ESP32 counts first.
_SHORT_RUN = 8
# arduino-esp32 ArduinoOTA.cpp reads into ``static uint8_t buf[1460]``: no
# ESP32 count is larger.
ESP32_MAX_READ = 1460
# arduino-esp32 re-sends its count after _ota_timeout (1000 ms) without data;
# a little less, so a late timer on our side still recognises it.
REPEAT_SILENCE = 0.9
# Splits kept per position beyond the fewest: the preferred split never needs
# many more counts than the fewest, and this keeps long runs linear.
_SPLIT_SLACK = 3


def split_counts(
    digits: str, bound: int, remaining: int, cap: int | None = None
) -> list[int]:
    """Split glued decimal counts; return ``[]`` when no valid split exists.

    Counts have no leading zero, are >= 1 (and <= ``cap``), and sum to at most
    ``bound``.
    Preference: fewest counts, then a sum equal to ``remaining``, then the
    smallest largest count. Dynamic programming over (position, counts),
    keeping only the few smallest counts per position.
    """
    n = len(digits)
    if bound <= 0 or not digits:
        return []
    largest_count = bound if cap is None else min(bound, cap)
    width = len(str(largest_count))
    if digits[0] != "0" and n <= width and int(digits) <= largest_count:
        return [int(digits)]  # one count: nothing splits into fewer
    aligned = _aligned_split(digits, width, largest_count)
    if aligned and sum(aligned) <= bound:
        return aligned
    # table[pos][k] = (largest count, previous position) of the best split of
    # digits[:pos] into k counts.
    table: list[dict[int, tuple[int, int]]] = [{} for _ in range(n + 1)]
    table[0][0] = (0, -1)
    for pos in range(n):
        if digits[pos] == "0" or not table[pos]:
            continue
        fewest = min(table[pos])
        states = [(k, v) for k, v in table[pos].items() if k <= fewest + _SPLIT_SLACK]
        for end in range(pos + 1, min(n, pos + width) + 1):
            value = int(digits[pos:end])
            if value > largest_count:
                break
            for k, (largest, _) in states:
                candidate = (max(largest, value), pos)
                current = table[end].get(k + 1)
                if current is None or candidate[0] < current[0]:
                    table[end][k + 1] = candidate
    options = [_rebuild(digits, table, k) for k in sorted(table[n])]
    valid = [parts for parts in options if sum(parts) <= bound]
    if not valid:
        return []
    fewest_parts = len(valid[0])
    exact = [p for p in valid if len(p) == fewest_parts and sum(p) == remaining]
    return exact[0] if exact else valid[0]


def _aligned_split(digits: str, width: int, largest_count: int) -> list[int]:
    """Return the run cut into counts of ``width`` digits, or ``[]``.

    No count has more than ``width`` digits, so when the run is a whole number
    of such counts this is its only split into the fewest counts, the one
    the search below would return: a full ESP32 read is 1460 bytes, so a
    backlog of its counts usually is such a run. Linear, no search.
    """
    if len(digits) % width:
        return []
    parts = [int(digits[at : at + width]) for at in range(0, len(digits), width)]
    if any(digits[at] == "0" for at in range(0, len(digits), width)):
        return []
    if max(parts) > largest_count:
        return []
    return parts


def _rebuild(digits: str, table: list[dict[int, tuple[int, int]]], k: int) -> list[int]:
    """Follow the back pointers of the best split into ``k`` counts."""
    parts: list[int] = []
    pos = len(digits)
    while k > 0:
        previous = table[pos][k][1]
        parts.append(int(digits[previous:pos]))
        pos, k = previous, k - 1
    return parts[::-1]
