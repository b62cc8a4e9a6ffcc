"""Line starts and positions in every encoding, with LSP's line breaks (and only those)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workstream.textpos import NEWLINE, LineIndex, line_starts

TEXT = st.text(alphabet=st.sampled_from("ab\n\r\u2028\x0c é🎉"), max_size=40)


@given(TEXT)
def test_line_starts_are_where_lsp_line_breaks_end(text: str) -> None:
    assert line_starts(text) == [m.end() for m in NEWLINE.finditer(text)]


@given(TEXT)
def test_positions_round_trip_in_every_encoding(text: str) -> None:
    index = LineIndex(text)
    for encoding in ("utf-8", "utf-16", "utf-32"):
        for offset in range(len(text) + 1):
            if offset and text[offset - 1 : offset + 1] == "\r\n":
                continue  # between \r and \n is not a position of its own
            line, column = index.position(offset, encoding)
            assert index.offset(line, column, encoding) == offset


def test_columns_count_code_units() -> None:
    index = LineIndex('{"a": "🎉", "b"}\n"x"')
    at = '{"a": "🎉", "b"}'.index('"b"')
    assert index.position(at, "utf-32") == (0, at)
    assert index.position(at, "utf-16") == (0, at + 1)
    assert index.position(at, "utf-8") == (0, at + 3)
    assert index.position(len('{"a": "🎉", "b"}\n'), "utf-16") == (1, 0)
