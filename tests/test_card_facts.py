"""The figures the cards quote are the ones their runnable answers print or were measured at.

A card that says 21,031 against 63,088 targets, or "0.595-0.670 over seeds 0-9", must agree with
the demo that counts them or with answers_code/calibration.json; if either changes, the card is
out of date and this fails.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest

from answers_code import calibration
from answers_code.context import RunContext
from answers_code.registry import get
from studytool.config import questions_dir
from studytool.deck import load_deck


@pytest.fixture(scope="module")
def deck() -> Any:
    return load_deck(questions_dir() / "ch12.toml", use_cache=False)


def card(deck: Any, short: str) -> str:
    question = deck.get(f"ch12-{short}")
    return " ".join(f"{question.answer} {question.mistake or ''}".split())


def run(name: str, overrides: dict[str, Any] | None = None) -> tuple[dict[str, Any], str]:
    """The answer `name` at its settings with `overrides`, called in this process."""
    answer = get(name)
    module, _, function = answer.entry.partition(":")
    events: list[dict[str, Any]] = []
    final = getattr(importlib.import_module(module), function)(
        RunContext(answer.params_for(False, overrides), "cpu", events.append))
    return final, "\n".join(e["text"] for e in events if e["event"] == "log")


def band(answer: str, key: str = "accuracy") -> str:
    spread = calibration.spread(answer, "full", key)
    assert spread is not None
    return f"{spread.low:.3f}-{spread.high:.3f}"


def test_q15_target_counts_are_what_the_demo_counts(deck: Any) -> None:

    final, log = run("more-signal", {"sl": 16, "bs": 64})
    assert (final["window_targets"], final["sequence_targets"]) == (21031, 63088)
    assert final["sequence_targets"] / final["window_targets"] == pytest.approx(3.0, abs=0.01)
    for figure in ("21,031", "63,088", "3,943"):
        assert figure in log, figure
        assert figure in card(deck, "q15"), figure
    assert "about three times" in card(deck, "q15") and "not `sl`x" in card(deck, "q15")
    assert "LMModel3's state" in card(deck, "q15")  # it sees more than three words


def test_q02_joined_stream_against_lines_one_by_one() -> None:

    final, log = run("one-stream", {"sl": 16})
    assert final["sequences_within_lines"] == 0 and final["sequences_joined"] == 3943
    assert final["longest_document"] == 6 and final["rows_continue"] is True
    assert "3,943" in log


def test_q09_drop_last_changes_nothing_after_group_chunks(deck: Any) -> None:
    from answers_code.data import group_chunks, human_numbers, sequences, windows

    nums = human_numbers().nums
    for x, _ in (windows(nums, 3), sequences(nums, 16)):
        for part in (x[: int(len(x) * 0.8)], x[int(len(x) * 0.8):]):
            assert len(group_chunks(part, 64)) % 64 == 0  # every batch is full
    assert "there is none" in card(deck, "q09")
    assert "forgetting `drop_last=True`" not in card(deck, "q09")


def test_q11_three_steps_between_detaches_and_the_growth_without(deck: Any) -> None:
    from answers_code.data import seq_dls, three_token_dls

    assert three_token_dls(bs=64, chunks=True).train.xs[0].shape[1] == 3  # LMModel3's batches
    assert seq_dls(sl=16).train.xs[0].shape[1] == 16
    final, log = run("detach", {"batches": 20})
    assert final["second_backward_error"] and "backward through the graph a second time" in log
    assert final["memory_growth"] > 10 and final["memory_growth_detached"] == 1.0
    text = card(deck, "q11")
    assert "exactly LMModel3's three tokens per batch" in text and "retain_graph=True" in text


def test_q17_quotes_the_measured_spread_of_lmmodel4(deck: Any) -> None:
    assert f"spans {band('lmmodel4')}" in card(deck, "q17")
    entry = calibration.entry("lmmodel4", "full")
    assert entry is not None
    for curve in entry["epoch_accuracy"]:  # "in every run the accuracy fell at least once"
        assert any(b < a for a, b in zip(curve, curve[1:], strict=False))
    assert "steps between detaches" in card(deck, "q17")


def test_q20_quotes_the_measured_runs_at_sl_16_and_32(deck: Any) -> None:
    text = card(deck, "q20")
    assert f"ends at {band('longer-bptt', 'accuracy_sl32')} against {band('lmmodel4')}" in text
    lead = calibration.spread("longer-bptt", "full", "sl16_lead")
    assert lead is not None and lead.low > 0  # "lower for every seed"
    assert band("longer-bptt") == band("lmmodel4")  # its sl=16 runs are lmmodel4's


def test_q30_quotes_the_measured_runs_at_the_same_rate(deck: Any) -> None:
    text = card(deck, "q30")
    assert f"LMModel6 reaches {band('higher-lr')}" in text
    assert f"1e-2 {band('higher-lr', 'rnn_accuracy')}" in text
    lead = calibration.spread("higher-lr", "full", "lstm_lead")
    assert lead is not None and lead.low > 0  # "ahead in every run"
    assert f"by {lead.low:.3f} to {lead.high:.3f}" in text
    assert f"reaches {band('lmmodel5')}" in text


def test_fr3_quotes_the_measured_gru_and_lstm_runs(deck: Any) -> None:
    text = card(deck, "fr3")
    assert f"nn.GRU {band('gru-torch')}" in text
    assert f"our GRU {band('gru-torch', 'scratch_accuracy')}" in text
    assert f"LMModel6 {band('gru-torch', 'lstm_accuracy')}" in text
    assert band("gru-torch", "lstm_accuracy") == band("lmmodel6")  # the very same runs


def test_q29_and_q27_run_the_books_cell_with_its_cat_line(deck: Any) -> None:
    import inspect

    from answers_code.lstm import LSTMCell

    assert "torch.cat([h, input], dim=1)" in inspect.getsource(LSTMCell.forward)
    assert "concatenating" in card(deck, "q29") and "one big matrix multiply" in card(deck, "q29")
    assert deck.get("ch12-q27").answers == ("lstmcell-refactor",)


def test_ar_tar_shows_weight_decay_outside_the_loss(deck: Any) -> None:

    final, log = run("ar-tar", {"epochs": 1})
    assert "weight decay term" not in log and "added nothing to the loss" in log
    assert final["decay_factor_diff"] < 1e-6 and final["weight_decay_factor"] < 1
    assert "very similar to weight decay" in card(deck, "q37")


def test_fr4_maps_lmmodel7s_dropout_to_the_decoders(deck: Any) -> None:
    text = card(deck, "fr4")
    drop = re.search(r"`output_dp = RNNDropout\(output_p\)`[^.]*= LMModel7's\s+`self.drop`", text)
    assert drop, "the decoder's output_p is LMModel7's self.drop"
    assert "LMModel7 has neither" in text  # input_p and hidden_p have no counterpart


def test_the_books_lmmodel7_train_loss_is_marked() -> None:
    from answers_code.book import column_notes

    note = column_notes("lmmodel7")["train_loss"]
    assert "AR and TAR" in note
    assert column_notes("lmmodel6") == {}
