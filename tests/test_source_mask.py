"""Credentials in a camera source: masked for pages, restored only from a source the
server already holds whose mask is exactly what the page sent back."""

from __future__ import annotations

import pytest

from edge.config.source_mask import has_credentials, is_masked, mask_source, mask_urls_in_text, unmask_source


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("rtsp://viewer:s3cret@10.0.0.7/stream1", "rtsp://viewer:***@10.0.0.7/stream1"),
        ("rtsp://viewer:p@ss:w/rd@10.0.0.7:554/s", "rtsp://viewer:***@10.0.0.7:554/s"),  # last "@" ends it
        ("rtsp://tok3n@cam.local/live", "rtsp://***@cam.local/live"),  # a lone name may be a token
        ("rtsp://viewer:@[fe80::1]:554/s", "rtsp://viewer:***@[fe80::1]:554/s"),
        (
            "http://10.0.0.8/cgi?channel=1&password=abc&Token=t#x",
            "http://10.0.0.8/cgi?channel=1&password=***&Token=***#x",
        ),
        ("rtsp://10.0.0.7/stream1?user=viewer", "rtsp://10.0.0.7/stream1?user=viewer"),
        ("videos/street.mp4", "videos/street.mp4"),
        (0, 0),
    ],
)
def test_masking_hides_every_credential_and_keeps_the_rest(source: str | int, shown: str | int) -> None:
    assert mask_source(source) == shown
    assert has_credentials(source) == (shown != source)
    assert not is_masked(source) or source == shown
    assert mask_source(shown) == shown  # masking is idempotent
    assert is_masked(shown) == has_credentials(source)


def test_a_masked_source_is_restored_only_from_a_known_source_with_the_same_mask() -> None:
    edge, saved = "rtsp://viewer:new@10.0.0.7/s", "rtsp://viewer:old@10.0.0.7/s"
    other_host = "rtsp://viewer:x@10.0.0.9/s"
    shown = "rtsp://viewer:***@10.0.0.7/s"
    assert unmask_source(shown, [other_host, edge, saved]) == edge  # the first that fits
    assert unmask_source(shown, [None, saved]) == saved
    assert unmask_source(shown, [other_host]) is None
    assert unmask_source("rtsp://admin:***@10.0.0.7/s", [edge]) is None  # another user
    typed = "rtsp://viewer:typed@10.0.0.7/s"
    assert unmask_source(typed, [edge]) == typed  # typed in full: taken as it is
    assert unmask_source("street.mp4", []) == "street.mp4"


def test_urls_in_messages_are_masked() -> None:
    said = "source: this edge opens rtsp://viewer:s3cret@10.0.0.7/s; see http://tok@h/x, not ftp-like text@host"
    assert mask_urls_in_text(said) == (
        "source: this edge opens rtsp://viewer:***@10.0.0.7/s; see http://***@h/x, not ftp-like text@host"
    )
