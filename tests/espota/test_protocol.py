"""Wire format: invitation and auth formatting, reply parsing, ack parsing."""

from __future__ import annotations

import hashlib

from hypothesis import given, strategies as st
import pytest

from custom_components.esp_ota.espota.protocol import (
    AckParser,
    AuthScheme,
    Command,
    PasswordHash,
    auth_response,
    format_auth,
    format_invitation,
    make_cnonce,
    parse_reply,
    password_digest,
    scheme_for_nonce,
    split_counts,
)

HEX32 = st.text("0123456789abcdef", min_size=32, max_size=32)
HEX64 = st.text("0123456789abcdef", min_size=64, max_size=64)


@given(
    st.sampled_from(list(Command)), st.integers(1, 65535), st.integers(0, 2**24), HEX32
)
def test_invitation_is_four_fields_and_a_newline(command, port, size, md5) -> None:
    data = format_invitation(command, port, size, md5)

    assert data.endswith(b"\n")
    assert data.decode().split() == [str(int(command)), str(port), str(size), md5]


def test_invitation_refuses_an_md5_the_board_would_ignore() -> None:
    with pytest.raises(ValueError, match="32 lowercase hex"):
        format_invitation(Command.FLASH, 1, 1, "abc")


@given(st.text(max_size=20), HEX32, HEX32)
def test_md5_response_is_what_esp8266_and_old_esp32_compute(
    password, nonce, cnonce
) -> None:
    passmd5 = hashlib.md5(password.encode(), usedforsecurity=False).hexdigest()
    expected = hashlib.md5(
        f"{passmd5}:{nonce}:{cnonce}".encode(), usedforsecurity=False
    ).hexdigest()

    assert (
        auth_response(
            AuthScheme.MD5, password_digest(password, PasswordHash.MD5), nonce, cnonce
        )
        == expected
    )


def test_pbkdf2_response_matches_a_vector_computed_with_hashlib() -> None:
    # python3 -c "import hashlib;ph=hashlib.sha256(b'a-real-password').hexdigest();
    # n='ab'*32;c='cd'*32;dk=hashlib.pbkdf2_hmac('sha256',ph.encode(),(n+':'+c).encode(),10000).hex();
    # print(hashlib.sha256((dk+':'+n+':'+c).encode()).hexdigest())"
    digest = password_digest("a-real-password", PasswordHash.SHA256)

    response = auth_response(AuthScheme.PBKDF2_SHA256, digest, "ab" * 32, "cd" * 32)

    assert (
        response == "4d63ba8b1efa8949a0c5caefe7e8bc77db582e5531bdf2667c663394b4551b93"
    )


@given(HEX32, HEX64)
def test_nonce_length_tells_the_scheme(md5_nonce, sha_nonce) -> None:
    assert scheme_for_nonce(md5_nonce) is AuthScheme.MD5
    assert scheme_for_nonce(sha_nonce) is AuthScheme.PBKDF2_SHA256
    assert scheme_for_nonce(md5_nonce[:31]) is None
    assert scheme_for_nonce("Z" * 32) is None


@given(st.sampled_from(list(AuthScheme)), st.text(max_size=40))
def test_cnonce_has_the_length_the_board_checks(scheme, seed) -> None:
    assert len(make_cnonce(scheme, seed)) == (32 if scheme is AuthScheme.MD5 else 64)


@given(HEX64, HEX64)
def test_auth_datagram_is_200_cnonce_response(cnonce, response) -> None:
    assert format_auth(cnonce, response) == f"200 {cnonce} {response}\n".encode()


@pytest.mark.parametrize(
    ("data", "kind", "text"),
    [
        (b"OK", "ok", "OK"),
        (b"AUTH " + b"a" * 32, "auth", "a" * 32),
        (b"AUTH", "unknown", "AUTH"),
        (b"Authentication Failed", "auth_failed", "Authentication Failed"),
        (
            b"ERR: ERROR[4]: Not Enough Space\r\n",
            "refused",
            "ERROR[4]: Not Enough Space",
        ),
        (b"what", "unknown", "what"),
    ],
)
def test_replies_are_classified(data, kind, text) -> None:
    reply = parse_reply(data)

    assert (reply.kind, reply.text) == (kind, text)


@given(st.integers(1, 40), st.integers(0, 1459), st.data())
def test_glued_esp32_counts_are_never_overcounted_and_full_reads_add_up_exactly(
    full, last, data
) -> None:
    counts = [1460] * full + ([last] if last else [])
    total = sum(counts)
    parser = AckParser(total)
    stream = "".join(map(str, counts)) + "OK"
    # Glue arbitrary runs of whole counts together, as a slow reader would.
    # (at most 30 counts per read: the 64 KiB limit bounds what one read covers)
    cuts = sorted(
        set(data.draw(st.sets(st.integers(1, len(counts)), max_size=len(counts))))
        | set(range(30, len(counts), 30))
    )
    pieces, start, boundaries = [], 0, []
    pos = 0
    for count in counts:
        pos += len(str(count))
        boundaries.append(pos)
    for cut in cuts:
        end = boundaries[cut - 1]
        pieces.append(stream[start:end])
        start = end
    pieces.append(stream[start:])
    for piece in pieces:
        parser.feed(piece.encode(), receivable=parser.acked + 64 * 1024)

    assert parser.acked <= total
    if not last:
        assert parser.acked == total
    assert parser.text == "OK"


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=8))
def test_acked_total_never_decreases_nor_exceeds_the_image(counts) -> None:
    total = sum(counts)
    parser = AckParser(total)
    sums = [sum(counts[: i + 1]) for i in range(len(counts))]
    seen = [
        parser.feed(str(c).encode(), receivable=s)
        for c, s in zip(counts, sums, strict=True)
    ]

    assert seen == sorted(seen)
    assert seen[-1] == total


@given(st.text("0123456789", min_size=1, max_size=30), st.integers(0, 10**7))
def test_any_digit_run_splits_into_counts_within_the_bound(digits, bound) -> None:
    parts = split_counts(digits, bound, bound)

    assert sum(parts) <= bound
    if parts:
        assert "".join(map(str, parts)) == digits
        assert all(p >= 1 for p in parts)


def test_final_text_after_the_last_count_is_kept_verbatim() -> None:
    parser = AckParser(2920)
    parser.feed(b"1460")
    parser.feed(b"1460ERROR[7]: MD5 ")
    parser.feed(b"Check Failed")

    assert parser.acked == 2920
    assert parser.text == "ERROR[7]: MD5 Check Failed"


def test_counts_beyond_what_was_sent_are_ignored() -> None:
    parser = AckParser(10_000)

    assert parser.feed(b"1460", receivable=0) == 0
    # Pending, not lost: once the bytes are receivable the count is taken.
    assert parser.feed(b"", receivable=1460) == 1460


def test_a_long_run_of_glued_counts_is_split_not_thrown_away() -> None:
    total = 1460 * 300
    parser = AckParser(total)

    assert parser.feed(b"1460" * 300, receivable=total) == total
    assert parser.feed(b"OK") == total


def test_a_count_split_across_two_reads_is_one_count() -> None:
    parser = AckParser(10_000)

    parser.feed(b"14", receivable=1460)
    parser.feed(b"60", receivable=1460)

    assert parser.acked == 1460


def test_a_repeated_count_after_a_second_of_silence_is_not_new_data() -> None:
    parser = AckParser(10_000)

    parser.feed(b"1460", receivable=8760)
    parser.feed(b"1460", receivable=8760, silent_for=1.0)
    parser.feed(b"1460", receivable=8760, silent_for=1.0)

    assert parser.acked == 1460
    assert parser.feed(b"1460", receivable=8760, silent_for=0.01) == 2920
