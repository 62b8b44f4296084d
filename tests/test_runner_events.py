"""The event protocol's parser: whatever the child writes, the parent gets events or log text."""

from __future__ import annotations

import json
import math

from studytool.runner.events import encode, finite_or_none, parse_line, strict_json


def test_an_event_line_is_that_event():
    line = encode({"event": "epoch", "epoch": 0, "train_loss": 1.5}) + "\n"
    assert parse_line(line.encode()) == [{"event": "epoch", "epoch": 0, "train_loss": 1.5}]


def test_anything_else_is_log_text():
    for raw in (b"plain text\n", b'{"not": "an event"}\n', b"[1, 2]\n",
                b'{"event": "bogus"}\n', b'{"event": "epoch"\n'):
        events = parse_line(raw)
        assert len(events) == 1 and events[0]["event"] == "log"
        assert events[0]["text"] == raw.decode().rstrip("\n")


def test_bad_utf8_is_replaced_not_raised():
    [event] = parse_line(b"\xff\xfe half \x00\n")
    assert event["event"] == "log" and "half" in event["text"]


def test_text_glued_to_an_event_keeps_both():
    # A C library that printed without a newline glues its text to the next event line.
    raw = b'no newline here{"event": "result", "final": {"accuracy": 0.5}}\n'
    log, result = parse_line(raw)
    assert log == {"event": "log", "text": "no newline here", "stream": "raw"}
    assert result["event"] == "result" and result["final"] == {"accuracy": 0.5}


def test_blank_lines_are_nothing():
    assert parse_line(b"\n") == [] and parse_line(b"  \r\n") == []


def test_nan_travels_and_strict_json_removes_it():
    [event] = parse_line(encode({"event": "epoch", "train_loss": float("nan")}))
    assert math.isnan(event["train_loss"])
    clean = strict_json({"a": [float("inf"), 1.0], "b": {"c": float("nan")}, "d": "x"})
    assert clean == {"a": [None, 1.0], "b": {"c": None}, "d": "x"}
    json.dumps(clean, allow_nan=False)


def test_finite_or_none():
    assert finite_or_none(1) == 1.0 and finite_or_none(0.5) == 0.5
    for bad in (float("nan"), float("-inf"), "1.0", None, True):
        assert finite_or_none(bad) is None
