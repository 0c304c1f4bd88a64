"""Timeouts of one upload, with the upstream values they mirror."""

from __future__ import annotations

from dataclasses import dataclass

# espota.py's ``-t`` default: seconds to wait for the answer to one invitation.
INVITATION_TIMEOUT = 10.0
# arduino-esp32's espota.py sends the invitation up to 10 times before giving up
# (a board busy in loop() or on weak Wi-Fi may miss a datagram).
INVITATION_ATTEMPTS = 10
# espota.py waits 10 s for the answer to the authentication datagram.
AUTH_TIMEOUT = 10.0
# espota.py waits 10 s for the board to connect back (ESP8266 first waits
# 100 ms, then Update.begin() may erase; ESP32 connects at its next loop()).
CONNECT_BACK_TIMEOUT = 10.0
# espota.py gives every chunk 10 s for its acknowledgement; a sector erase is
# ~45 ms, so 10 s of silence means the transfer is dead, not slow.
ACK_TIMEOUT = 10.0
# espota.py waits up to 60 s per read for the final OK (Update.end() checks the
# MD5 over the whole image, which takes a while on big images).
RESULT_TIMEOUT = 60.0
# A host name lookup (mDNS .local names included) that takes longer than
# espota.py's invitation wait will not succeed.
LOOKUP_TIMEOUT = 10.0
# Both cores print an error as one println(); text without its line end is
# complete once nothing more came for this long.
TEXT_TIMEOUT = 0.5
# Before a retry: an ESP8266 gives up after 1000 ms without data, an ESP32
# after 3 re-sent counts 1000 ms apart; then it listens for invitations again.
RETRY_PAUSE = 4.0


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Every wait of an upload, in seconds; defaults match upstream espota.py."""

    invitation: float = INVITATION_TIMEOUT
    """Wait for the answer to one invitation datagram."""
    invitation_attempts: int = INVITATION_ATTEMPTS
    """How many invitations to send before the board counts as not responding."""
    auth: float = AUTH_TIMEOUT
    """Wait for the answer to the authentication datagram."""
    connect_back: float = CONNECT_BACK_TIMEOUT
    """Wait for the board to open the TCP connection after it said OK."""
    ack: float = ACK_TIMEOUT
    """Longest silence allowed while the board still owes acknowledgements."""
    result: float = RESULT_TIMEOUT
    """Wait for the board's final OK (or error) after the last byte."""
    lookup: float = LOOKUP_TIMEOUT
    """Wait for the board's host name to resolve."""
    text: float = TEXT_TIMEOUT
    """Wait for the rest of an error line the board printed without its end."""
    retry_pause: float = RETRY_PAUSE
    """Pause before a retry, so the board is back to idle."""
