"""The UDP half of an upload: the invitation and the password challenge.

Follows espota.py (esp8266/Arduino and espressif/arduino-esp32 ``tools/``):
invitations are re-sent until the board answers; a challenge is always
answered, even without a password or with a nonce we do not know, so the board
leaves its wait-for-auth state and returns to idle (the ESP8266 core stays in
``OTA_WAITAUTH`` until the next datagram).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from .errors import (
    AuthenticationError,
    BoardNotRespondingError,
    BoardRefusedError,
    EspOtaError,
)
from .protocol import (
    AuthScheme,
    InvitationReply,
    PasswordHash,
    auth_response,
    format_auth,
    format_invitation,
    make_cnonce,
    parse_reply,
    password_digest,
    scheme_for_nonce,
)
from .transport import InvitationEndpoint

if TYPE_CHECKING:
    from .session import Session

_LOGGER = logging.getLogger(__name__)


async def invite(session: Session, endpoint: InvitationEndpoint, tcp_port: int) -> None:
    """Send the invitation (with retries) and answer any challenge."""
    invitation = format_invitation(
        session.command, tcp_port, len(session.data), session.md5
    )
    # Boards on arduino-esp32 3.3.1+ keep SHA-256(password) after setPassword()
    # but whatever setPasswordHash() got, often an old MD5 hash; the wire
    # cannot tell them apart, so like upstream espota.py we try SHA-256 first
    # and the MD5 hash once more after a rejection.
    hashes = [PasswordHash.SHA256, PasswordHash.MD5]
    while True:
        reply = await _send_invitation(session, endpoint, invitation)
        if reply.kind == "ok":
            return
        if reply.kind == "refused":
            raise BoardRefusedError(reply.text)
        if reply.kind == "auth_failed":
            message = (
                "The board rejected the upload: it did not accept the authentication."
            )
            raise AuthenticationError(message)
        if reply.kind != "auth":
            message = f"The board sent an answer this uploader does not understand: {reply.text!r}"
            raise EspOtaError(message)
        scheme = scheme_for_nonce(reply.text)
        if scheme is None or session.password is None:
            await _release(session, endpoint, scheme, reply.text)
            if scheme is None:
                message = f"The board sent a challenge this uploader does not understand (nonce of {len(reply.text)} characters)."
            else:
                message = "The board requires a password, but none was given."
            raise AuthenticationError(message)
        stored_as = PasswordHash.MD5 if scheme is AuthScheme.MD5 else hashes.pop(0)
        answer = await _authenticate(
            session, endpoint, scheme, stored_as, reply.text, password=session.password
        )
        if (
            answer.kind == "auth_failed"
            and scheme is AuthScheme.PBKDF2_SHA256
            and hashes
        ):
            _LOGGER.debug("SHA-256 password hash rejected; retrying with the MD5 hash")
            continue
        if answer.kind == "ok":
            return
        if answer.kind == "refused":
            raise BoardRefusedError(answer.text)
        message = "Authentication failed: the board rejected the password."
        raise AuthenticationError(message)


async def _send_invitation(
    session: Session, endpoint: InvitationEndpoint, invitation: bytes
) -> InvitationReply:
    """Send the invitation until the board answers; raise when it never does."""
    timeouts = session.timeouts
    attempts = max(1, timeouts.invitation_attempts)
    for attempt in range(1, attempts + 1):
        endpoint.drain_answers()
        endpoint.send(invitation)
        answer = await endpoint.answer(timeouts.invitation)
        if answer is not None:
            return parse_reply(answer)
        _LOGGER.debug("No answer to invitation %d of %d", attempt, attempts)
    message = (
        f"The board at {session.target.host}:{session.target.port} did not answer "
        f"{attempts} invitation(s) within {timeouts.invitation:g} s each; check "
        "that it is powered, on the network and running ArduinoOTA on that port."
    )
    raise BoardNotRespondingError(message)


async def _release(
    session: Session,
    endpoint: InvitationEndpoint,
    scheme: AuthScheme | None,
    nonce: str,
) -> None:
    """Answer a challenge we cannot meet, so the board returns to idle."""
    await _authenticate(
        session,
        endpoint,
        scheme or AuthScheme.MD5,
        PasswordHash.MD5,
        nonce,
        password="",
        wait=min(session.timeouts.auth, 1.0),
    )


async def _authenticate(
    session: Session,
    endpoint: InvitationEndpoint,
    scheme: AuthScheme,
    stored_as: PasswordHash,
    nonce: str,
    *,
    password: str,
    wait: float | None = None,
) -> InvitationReply:
    """Answer the board's challenge; return its verdict."""
    seed = (
        f"{session.name}{len(session.data)}{session.md5}"
        f"{session.target.host}{time.time_ns()}"
    )
    cnonce = make_cnonce(scheme, seed)
    digest = password_digest(password, stored_as)
    response = auth_response(scheme, digest, nonce, cnonce)
    _LOGGER.debug("Answering %s challenge", scheme.value)
    endpoint.drain_answers()
    endpoint.send(format_auth(cnonce, response))
    seconds = session.timeouts.auth if wait is None else wait
    answer = await endpoint.answer(seconds)
    if answer is None:
        if wait is not None:
            return InvitationReply("unknown", "")
        message = (
            f"The board did not answer the authentication within "
            f"{session.timeouts.auth:g} s."
        )
        raise BoardNotRespondingError(message)
    return parse_reply(answer)
