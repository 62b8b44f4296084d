"""The code and numbers in the ch12 reference answers are right: run them against PyTorch."""

from __future__ import annotations

import re

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from studytool.config import questions_dir  # noqa: E402
from studytool.deck import load_deck  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def deck():
    return load_deck(questions_dir() / "ch12.toml", use_cache=False)


def code_blocks(deck, short_id: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", deck.get(f"ch12-{short_id}").answer, re.S)


def run_code(source: str, **names) -> dict:
    namespace = {"torch": torch, "nn": nn, "F": F, **names}
    exec(compile(source, "<answer>", "exec"), namespace)  # noqa: S102 - our own deck's code
    return namespace


def copy_rnn_weights(cells, reference, layers: int) -> None:
    with torch.no_grad():
        for layer in range(layers):
            cell = cells[layer]
            cell.ih.weight.copy_(getattr(reference, f"weight_ih_l{layer}"))
            cell.ih.bias.copy_(getattr(reference, f"bias_ih_l{layer}"))
            cell.hh.weight.copy_(getattr(reference, f"weight_hh_l{layer}"))
            cell.hh.bias.copy_(getattr(reference, f"bias_hh_l{layer}"))


def test_third_word_module_predicts_from_two_words(deck):
    model = run_code(code_blocks(deck, "q05")[0])["TwoWordModel"](30, 8)
    out = model(torch.randint(0, 30, (4, 2)))
    assert out.shape == (4, 30)


def test_flattened_loss_accepts_per_position_predictions(deck):
    ns = run_code(code_blocks(deck, "q16")[0], vocab=list(range(30)))
    preds, targets = torch.randn(4, 16, 30), torch.randint(0, 30, (4, 16))
    expected = F.cross_entropy(preds.reshape(-1, 30), targets.reshape(-1))
    assert torch.allclose(ns["loss_func"](preds, targets), expected)


def test_lstm_from_scratch_matches_torch_lstm(deck):
    ns = run_code(code_blocks(deck, "fr2")[0])
    torch.manual_seed(0)
    mine, reference = ns["LSTM"](5, 7, n_layers=2), nn.LSTM(5, 7, 2, batch_first=True)
    copy_rnn_weights(mine.cells, reference, 2)
    x, h0, c0 = torch.randn(3, 4, 5), torch.randn(2, 3, 7), torch.randn(2, 3, 7)
    out, states = mine(x, [(h0[i], c0[i]) for i in range(2)])
    expected, (h_n, c_n) = reference(x, (h0, c0))
    assert torch.allclose(out, expected, atol=1e-6)
    assert torch.allclose(states[1][0], h_n[1], atol=1e-6)
    assert torch.allclose(states[1][1], c_n[1], atol=1e-6)
    model = ns["LMModelScratch"](30, 8, 2, bs=3)
    assert model(torch.randint(0, 30, (3, 16))).shape == (3, 16, 30)
    assert all(not h.requires_grad for h, _ in model.states)  # detached between batches


def test_gru_from_scratch_matches_torch_gru(deck):
    ns = run_code(code_blocks(deck, "fr3")[0])
    torch.manual_seed(0)
    cell, reference = ns["GRUCell"](5, 7), nn.GRU(5, 7, batch_first=True)
    copy_rnn_weights([cell], reference, 1)
    x, h = torch.randn(3, 4, 5), torch.randn(3, 7)
    outs, state = [], h
    for t in range(4):
        state = cell(x[:, t], state)
        outs.append(state)
    expected, _ = reference(x, h[None])
    assert torch.allclose(torch.stack(outs, dim=1), expected, atol=1e-6)


def test_refactored_lstm_cell_equals_the_four_gate_version(deck):
    refactored = run_code(code_blocks(deck, "q29")[0])["LSTMCell"](5, 7)
    ni, nh = 5, 7

    def gate(k):  # the four-gate cell's Linear(ni + nh, nh) on cat([h, input])
        rows = slice(k * nh, (k + 1) * nh)
        weight = torch.cat([refactored.hh.weight[rows], refactored.ih.weight[rows]], dim=1)
        bias = refactored.hh.bias[rows] + refactored.ih.bias[rows]
        return lambda hx: hx @ weight.T + bias

    ingate, forgetgate, outgate, cellgate = (gate(k) for k in range(4))
    x, h, c = torch.randn(3, ni), torch.randn(3, nh), torch.randn(3, nh)
    hx = torch.cat([h, x], dim=1)
    c_ref = c * torch.sigmoid(forgetgate(hx)) + torch.sigmoid(ingate(hx)) * torch.tanh(cellgate(hx))
    h_ref = torch.sigmoid(outgate(hx)) * torch.tanh(c_ref)
    h_new, (_, c_new) = refactored(x, (h, c))
    assert torch.allclose(c_new, c_ref, atol=1e-6) and torch.allclose(h_new, h_ref, atol=1e-6)


def test_bernoulli_experiment_runs(deck, capsys):
    run_code(code_blocks(deck, "q35")[0])
    printed = capsys.readouterr().out.split("\n")
    share_of_ones = float(re.search(r"tensor\(([\d.]+)\)", printed[1])[1])
    assert abs(share_of_ones - 0.8) < 0.02


def test_regularization_formulas_compute_what_they_say(deck):
    acts = torch.randn(2, 5, 3)
    ar = run_code(code_blocks(deck, "q37")[0], loss=torch.tensor(0.0), alpha=2.0,
                  activations=acts)["loss"]
    assert torch.allclose(ar, 2.0 * (acts ** 2).mean())
    tar = run_code(code_blocks(deck, "q38")[0], loss=torch.tensor(0.0), beta=1.0,
                   activations=acts)["loss"]
    steps = [(acts[:, t + 1] - acts[:, t]) ** 2 for t in range(4)]
    assert torch.allclose(tar, torch.stack(steps).mean())


def test_numbers_quoted_in_answers(deck):
    folded = " ".join(deck.get("ch12-q22").answer.split())
    assert "about 1.2e-7 near 1.0, 0.0625 near one million" in folded
    assert torch.finfo(torch.float32).eps == pytest.approx(1.19e-7, rel=0.01)
    million = torch.tensor(1e6, dtype=torch.float32)
    assert (torch.nextafter(million, million * 2) - million).item() == 0.0625
    assert torch.tensor(2.0**24 + 1, dtype=torch.float32).item() == 2.0**24  # cannot be stored
    assert "3, 3, 3, 1" in deck.get("ch12-q28").answer
    assert [len(p) for p in torch.arange(10).chunk(4)] == [3, 3, 3, 1]
    xs = torch.linspace(-4, 4, 81)
    assert "tanh(x) = 2 * sigmoid(2x) - 1" in deck.get("ch12-q26").answer
    assert torch.allclose(torch.tanh(xs), 2 * torch.sigmoid(2 * xs) - 1, atol=1e-6)
    assert "2^32 is about 4.3 billion" in " ".join(deck.get("ch12-q21").answer.split())
    assert 2**32 == 4_294_967_296 and 0.5**32 == pytest.approx(2.3e-10, rel=0.02)
