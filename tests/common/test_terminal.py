"""Text for any terminal: ASCII forms where an encoding lacks a character, wide characters
counted as two columns, Chinese and Japanese wrapped between characters."""

from __future__ import annotations

import io
import sys

import pytest

from gradwalk._common.terminal import (
    ASCII_FORMS,
    ERRORS,
    ascii_form,
    can_encode,
    display_width,
    fill,
    padded,
    tolerant_streams,
    write_line,
)


@pytest.mark.parametrize(
    ("encoding", "written"),
    [
        ("ascii", "x0^2 + x1^2 ~ 2*x, lambda_max = 2, +/-1, ?? ??"),
        ("latin-1", "x0² + x1² ~ 2·x, lambda_max = 2, ±1, ?? ??"),
        ("gbk", "x0^2 + x1^2 ≈ 2·x, λmax = 2, ±1, 梯度 勾配"),
        ("cp932", "x0^2 + x1^2 ~ 2*x, λmax = 2, ±1, 梯度 勾配"),
        ("utf-8", "x0² + x1² ≈ 2·x, λmax = 2, ±1, 梯度 勾配"),
    ],
)
def test_characters_an_encoding_lacks_become_ascii_forms(encoding: str, written: str) -> None:
    text = "x0² + x1² ≈ 2·x, λmax = 2, ±1, 梯度 勾配"
    assert text.encode(encoding, errors=ERRORS).decode(encoding) == written


def test_every_ascii_form_is_ascii_and_arrows_keep_one_column() -> None:
    assert all(form.isascii() and form for form in ASCII_FORMS.values())
    assert all(len(ASCII_FORMS[arrow]) == 1 for arrow in "→↗↑↖←↙↓↘")
    assert ascii_form("，") == ",", "full-width punctuation has an ASCII compatibility form"
    assert ascii_form("é") == "e"
    assert ascii_form("梯") == "?"


def test_can_encode() -> None:
    assert can_encode("梯度", "gbk") and not can_encode("梯度", "ascii")
    assert not can_encode("学习率", "cp932"), "CP932 lacks simplified characters"
    assert can_encode("anything", "no-such-encoding"), "an unknown encoding is not refused"


def test_display_width_and_padding_count_wide_characters_twice() -> None:
    assert display_width("勾配 h") == 6
    assert padded("梯度", 10) == "梯度      "
    assert padded("a label longer than ten", 10).endswith(" "), "always one space at least"


def test_fill_wraps_english_at_spaces_as_textwrap_does() -> None:
    text = "The gradient points where f grows fastest; its negative points at the minimum."
    assert fill(text, 30, "  ", "    ").splitlines() == [
        "  The gradient points where f",
        "    grows fastest; its",
        "    negative points at the",
        "    minimum.",
    ]


def test_fill_wraps_chinese_and_japanese_between_characters_within_the_width() -> None:
    text = "梯度指示的方向是各点处的函数值减小最多的方向。这是一个非常重要的性质，请一定牢记！"
    lines = fill(text, 30, "  ", "    ").splitlines()
    assert len(lines) > 1
    assert "".join(line.strip() for line in lines) == text, "nothing lost or added"
    assert all(display_width(line) <= 30 for line in lines)
    assert not any(line.strip()[0] in "，。！" for line in lines), "no line starts with a comma"


def test_fill_keeps_english_words_whole_inside_japanese() -> None:
    text = "学習率 learning_rate を大きくすると損失関数の値が発散します。" * 3
    lines = fill(text, 24).splitlines()
    assert all("learning_rate" in line or "learning" not in line for line in lines)


def test_tolerant_streams_apply_to_stdout_and_stderr_and_are_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="gbk", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with tolerant_streams():
        print("x0² + x1²，梯度")
        print("λmax ≈ 2", file=sys.stderr)
    assert (out.errors, err.errors) == ("strict", "strict"), "handlers restored"
    out.flush()
    err.flush()
    assert out.buffer.getvalue().decode("gbk") == "x0^2 + x1^2，梯度\n"  # type: ignore[attr-defined]
    assert err.buffer.getvalue() == b"lambda_max ~ 2\n"  # type: ignore[attr-defined]


def test_write_line_never_fails_on_the_stream_encoding() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="cp932", errors="strict")
    write_line("x0² + x1² の勾配", stream)
    assert stream.buffer.getvalue().decode("cp932") == "x0^2 + x1^2 の勾配\n"  # type: ignore[attr-defined]
