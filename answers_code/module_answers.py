"""Entry points of the from-scratch modules: lstm-scratch, lstmcell-refactor, gru-scratch,
gru-torch and dropout (`fn(ctx) -> final dict`, see answers_code.context).

Each checks its module against PyTorch on random weights first (the max absolute difference is
the headline number), then, for the recurrent ones, trains the chapter's LMModel6 setup on it.
"""

from __future__ import annotations

import copy
import statistics
from collections.abc import Callable
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from answers_code.book import book_final_accuracy, book_table, fastai_reruns
from answers_code.context import RunContext
from answers_code.data import human_numbers, seq_dls
from answers_code.demos.params import seed_list
from answers_code.demos.table import epoch_table, format_table
from answers_code.dropout import Dropout
from answers_code.gru import GRU
from answers_code.lstm import LSTM, LSTMCell, refactored_from_cell
from answers_code.models import LMModel6
from answers_code.models.state import carried
from answers_code.shared import LM6_MOMS, LM6_WD, lm6_setup_key, trained

BOOK_LSTM_ACCURACY = book_final_accuracy("lmmodel6")  # 0.758464, the book's last epoch
# Shapes the equivalence checks run on: (input_size, hidden_size, num_layers, bs, seq_len).
EQUIV_SHAPES = ((64, 64, 2, 64, 16), (5, 7, 1, 3, 4), (3, 8, 3, 2, 9))


class LMModel6GRU(nn.Module):
    """LMModel6 with a GRU in place of the LSTM: the state is one tensor instead of (h, c)."""

    def __init__(self, vocab_sz: int, n_hidden: int, n_layers: int, rnn: nn.Module) -> None:
        super().__init__()
        self.n_hidden, self.n_layers = n_hidden, n_layers
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.rnn = rnn  # GRU(n_hidden, n_hidden, n_layers, batch_first=True), ours or torch's
        self.h_o = nn.Linear(n_hidden, vocab_sz)
        self.h: Tensor | None = None  # (n_layers, bs, n_hidden)

    def forward(self, x: Tensor) -> Tensor:  # x: (bs, sl)
        emb = self.i_h(x)  # (bs, sl, n_hidden)
        h0 = carried(self.h, (self.n_layers, x.shape[0], self.n_hidden), emb)
        res, h = self.rnn(emb, h0)  # res: (bs, sl, n_hidden)
        self.h = h.detach()
        return self.h_o(res)  # (bs, sl, vocab_sz)

    def reset(self) -> None:
        self.h = None


# ---- equivalence with PyTorch -------------------------------------------------------------

def _max_diff(a: Any, b: Any) -> float:
    if isinstance(a, tuple):
        return max(_max_diff(x, y) for x, y in zip(a, b, strict=True))
    return float((a - b).detach().abs().max())


def compare_recurrent(ours_cls: Callable[..., nn.Module], ref_cls: Callable[..., nn.Module],
                      shape: tuple[int, ...], with_state: bool, seed: int) -> dict[str, float]:
    """Load a fresh torch module's state_dict into ours; max |diff| of outputs and final states,
    and of every parameter's gradient relative to its largest, on random inputs and states."""
    ni, nh, nl, bs, sl = shape
    torch.manual_seed(seed)
    ref = ref_cls(ni, nh, nl, batch_first=True)
    ours = ours_cls(ni, nh, nl, batch_first=True)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(bs, sl, ni)
    state: Any = None
    if with_state:
        state = torch.randn(nl, bs, nh)
        if isinstance(ref, nn.LSTM):
            state = (state, torch.randn(nl, bs, nh))
    out_ref, st_ref = ref(x) if state is None else ref(x, state)
    out, st = ours(x) if state is None else ours(x, state)
    (out_ref.sum() + out_ref.pow(2).mean()).backward()
    (out.sum() + out.pow(2).mean()).backward()
    grads = dict(ref.named_parameters())
    # Relative to the largest gradient: the sum makes gradients large, so absolute differences
    # would only reflect their scale.
    grad_diff = max(_max_diff(p.grad, grads[n].grad) / float(grads[n].grad.abs().max())
                    for n, p in ours.named_parameters())
    return {"output": _max_diff(out, out_ref), "state": _max_diff(st, st_ref), "grad": grad_diff}


def equivalence(ctx: RunContext, ours_cls: Callable[..., nn.Module],
                ref_cls: Callable[..., nn.Module], seed: int) -> dict[str, Any]:
    rows, worst, worst_grad = [], 0.0, 0.0
    for shape in EQUIV_SHAPES:
        for with_state in (False, True):
            d = compare_recurrent(ours_cls, ref_cls, shape, with_state, seed)
            worst = max(worst, d["output"], d["state"])
            worst_grad = max(worst_grad, d["grad"])
            rows.append((str(shape[:3]), f"{shape[3]}x{shape[4]}", "random" if with_state else
                         "none", f"{d['output']:.2e}", f"{d['state']:.2e}", f"{d['grad']:.2e}"))
    name = ref_cls.__name__
    ctx.log(f"ours vs nn.{name} after load_state_dict (max |difference|):")
    ctx.log(format_table(("(in, hidden, layers)", "bs x sl", "state in", "output", "state out",
                          "grads (rel.)"), rows))
    keys_ours = list(ours_cls(3, 4, 2).state_dict())
    keys_ref = list(ref_cls(3, 4, 2).state_dict())
    ctx.log(f"state_dict keys: {keys_ours} (same as nn.{name}: {keys_ours == keys_ref})")
    ctx.log(f"max |difference|: {worst:.3g} in values, {worst_grad:.3g} relative, in gradients")
    return {"max_abs_diff": worst, "grad_max_rel_diff": worst_grad,
            "state_dict_keys_match": keys_ours == keys_ref}


# ---- training the LMModel6 setup ----------------------------------------------------------

# The LMModel6 setup's sequence length and batch size: the book's, fixed (not parameters).
SL, BS = 16, 64


def _check_then_train(ctx: RunContext, ours_cls: Callable[..., nn.Module],
                      ref_cls: Callable[..., nn.Module]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Single-threaded: the equivalence with torch's module, and the LMModel6 setup's training
    settings (epochs below 1, which only a test passes, leaves the training out)."""
    torch.set_num_threads(1)
    p = ctx.params
    final = equivalence(ctx, ours_cls, ref_cls, p["seed"])
    hp = {"epochs": p["epochs"], "lr": p["lr"], "n_hidden": p["n_hidden"],
          "n_layers": p["n_layers"], "sl": SL, "bs": BS, "seeds": seed_list(p),
          "vocab_sz": len(human_numbers().vocab)}
    return final, hp


def train_lm(ctx: RunContext, model: nn.Module, hp: dict[str, Any], seed: int,
             emit: bool, kind: str) -> list[dict[str, Any]]:
    """fit_one_cycle with the book's LMModel6 settings; epoch events only when `emit`.
    `kind` names what `model` is (`lmmodel6` for LMModel6 itself as `lstm_models` builds it):
    inside a check, a training of the same kind, settings and seed is done once."""
    from answers_code.train import fit_one_cycle, set_seed

    set_seed(seed)
    dls = seq_dls(sl=hp["sl"], bs=hp["bs"])
    events = ctx.emit if emit else None
    return trained(lm6_setup_key(kind, hp, seed, ctx.device),
                   lambda: fit_one_cycle(model, dls, hp["epochs"], hp["lr"], wd=LM6_WD,
                                         moms=LM6_MOMS, reset=True, emit=events,
                                         device=ctx.device), events)


def seconds_per_epoch(epochs: list[dict[str, Any]]) -> float:
    # The first epoch pays one-off costs (allocations, caches): leave it out when possible.
    times = [e["seconds"] for e in epochs[1:]] or [e["seconds"] for e in epochs]
    return statistics.median(times)


def lstm_models(hp: dict[str, Any], seed: int) -> tuple[nn.Module, nn.Module]:
    """(torch's LMModel6, the same model on our LSTM), starting from identical weights."""
    torch.manual_seed(seed)
    ref = LMModel6(hp["vocab_sz"], hp["n_hidden"], hp["n_layers"])
    ours = copy.deepcopy(ref)
    ours.rnn = LSTM(hp["n_hidden"], hp["n_hidden"], hp["n_layers"], batch_first=True)
    ours.rnn.load_state_dict(ref.rnn.state_dict())
    return ref, ours


# What lstm_models and gru_models build, for train_lm: (torch's module, ours).
LSTM_KINDS = ("lmmodel6", "lmmodel6 on our LSTM")
GRU_KINDS = ("lmmodel6 setup on nn.GRU", "lmmodel6 setup on our GRU")


def gru_models(hp: dict[str, Any], seed: int) -> tuple[nn.Module, nn.Module]:
    """(LMModel6 setup on nn.GRU, the same on our GRU), starting from identical weights."""
    torch.manual_seed(seed)
    nh, nl = hp["n_hidden"], hp["n_layers"]
    ref = LMModel6GRU(hp["vocab_sz"], nh, nl, nn.GRU(nh, nh, nl, batch_first=True))
    ours = copy.deepcopy(ref)
    ours.rnn = GRU(nh, nh, nl, batch_first=True)
    ours.rnn.load_state_dict(ref.rnn.state_dict())
    return ref, ours


def _log_run(ctx: RunContext, title: str, epochs: list[dict[str, Any]]) -> None:
    ctx.log(f"{title}: final accuracy {epochs[-1]['accuracy']:.4f}, "
            f"{seconds_per_epoch(epochs):.2f} s/epoch")
    ctx.log(epoch_table(epochs))


def _compare_training(ctx: RunContext, hp: dict[str, Any], build: Callable[..., Any],
                      names: tuple[str, str], kinds: tuple[str, str], primary: int,
                      intro: str) -> dict[str, list[dict[str, Any]]]:
    """After logging `intro`, train torch's and our module (`kinds`, see train_lm) from the
    same weights for each seed; `primary` (0 torch, 1 ours) emits the epoch events of the
    first seed. Returns the per-seed results by name."""
    ctx.log(intro)
    results: dict[str, list[dict[str, Any]]] = {names[0]: [], names[1]: []}
    for i, seed in enumerate(hp["seeds"]):
        models = build(hp, seed)
        for which in (primary, 1 - primary):
            epochs = train_lm(ctx, models[which], hp, seed, emit=(i == 0 and which == primary),
                              kind=kinds[which])
            results[names[which]].append({"seed": seed, "epochs": epochs})
            _log_run(ctx, f"{names[which]}, seed {seed}", epochs)
    rows = []
    for name, runs in results.items():
        accs = [r["epochs"][-1]["accuracy"] for r in runs]
        spe = statistics.median(seconds_per_epoch(r["epochs"]) for r in runs)
        rows.append((name, " ".join(f"{a:.4f}" for a in accs), f"{statistics.median(accs):.4f}",
                     f"{spe:.2f}"))
    ctx.log(f"seeds {hp['seeds']}, {hp['epochs']} epochs, lr {hp['lr']}:")
    ctx.log(format_table(("model", "final accuracy per seed", "median", "s/epoch"), rows))
    return results


def log_book_lstm(ctx: RunContext) -> None:
    """The book's LMModel6 (2-layer LSTM) table, and what fastai gives on this data per seed."""
    rows = [(r["epoch"], f"{r['train_loss']:.6f}", f"{r['valid_loss']:.6f}",
             f"{r['accuracy']:.6f}", r["time"]) for r in book_table("lmmodel6")]
    ctx.log("the book's LMModel6 (LSTM), same data and settings:")
    ctx.log(format_table(("epoch", "train_loss", "valid_loss", "accuracy", "time"), rows[-3:]))
    reruns = ", ".join(f"{a:.4f}" for a in fastai_reruns("lmmodel6"))
    ctx.log(f"book final accuracy {BOOK_LSTM_ACCURACY}; fastai reruns, seeds 0-2: {reruns}")


def _summary(results: dict[str, list[dict[str, Any]]], key: str) -> dict[str, Any]:
    runs = results[key]
    accs = [r["epochs"][-1]["accuracy"] for r in runs]
    first = runs[0]["epochs"][-1]
    return {"accuracies": accs, "median_accuracy": statistics.median(accs),
            "accuracy": first["accuracy"], "valid_loss": first["valid_loss"],
            "train_loss": first["train_loss"],
            "seconds_per_epoch": statistics.median(seconds_per_epoch(r["epochs"]) for r in runs)}


def _first_epoch_gap(results: dict[str, list[dict[str, Any]]], a: str, b: str) -> float:
    """Largest |valid_loss difference| after epoch 0 over the seeds. Same weights, same batches:
    the two runs differ only by float rounding, so they agree closely before chaos sets in."""
    return max(abs(ra["epochs"][0]["valid_loss"] - rb["epochs"][0]["valid_loss"])
               for ra, rb in zip(results[a], results[b], strict=True))


class _Pair(NamedTuple):
    """Our module and torch's trained side by side: their summaries and how far apart."""

    ours: dict[str, Any]
    ref: dict[str, Any]
    gaps: dict[str, float]


def _beside_torch(ctx: RunContext, ours_cls: Callable[..., nn.Module],
                  torch_cls: Callable[..., nn.Module], build: Callable[..., Any],
                  kinds: tuple[str, str], primary: int,
                  setup: str) -> tuple[dict[str, Any], dict[str, Any], _Pair | None]:
    """Check our module against torch's, then (unless epochs=0, when the pair is None) train
    `setup` on both from the same weights per seed (_compare_training)."""
    final, hp = _check_then_train(ctx, ours_cls, torch_cls)
    if hp["epochs"] < 1:
        return final, hp, None
    ref_name = f"nn.{torch_cls.__name__}"
    intro = (f"{setup} on {ref_name} and on our {torch_cls.__name__}, from the same initial "
             "weights and seed:")
    res = _compare_training(ctx, hp, build, (ref_name, "ours"), kinds, primary, intro)
    ours, ref = _summary(res, "ours"), _summary(res, ref_name)
    gaps = {"accuracy_gap": abs(ours["accuracy"] - ref["accuracy"]),
            "first_epoch_loss_gap": _first_epoch_gap(res, "ours", ref_name)}
    return final, hp, _Pair(ours, ref, gaps)


# ---- entry points ---------------------------------------------------------------------------

def lstm_scratch(ctx: RunContext) -> dict[str, Any]:
    """ch12-q24, q25, q27, fr2: our LSTM equals nn.LSTM, then trains LMModel6 as well."""
    final, _, pair = _beside_torch(ctx, LSTM, nn.LSTM, lstm_models, LSTM_KINDS, 1,
                                   "LMModel6 (2-layer LSTM, n_hidden 64)")
    if pair is None:
        return final
    log_book_lstm(ctx)
    final.update(pair.ours)
    final.update({"torch_accuracy": pair.ref["accuracy"], "torch_median_accuracy":
                  pair.ref["median_accuracy"],
                  "torch_seconds_per_epoch": pair.ref["seconds_per_epoch"], **pair.gaps,
                  "book_accuracy": BOOK_LSTM_ACCURACY})
    return final


def lstmcell_refactor(ctx: RunContext) -> dict[str, Any]:
    """ch12-q29: the book's cell and the refactored one compute the same thing."""
    torch.set_num_threads(1)
    p = ctx.params
    torch.manual_seed(p["seed"])
    ni, nh, bs, steps = p["ni"], p["nh"], p["bs"], p["steps"]
    cell = LSTMCell(ni, nh)
    ref = refactored_from_cell(cell)
    ctx.log(f"book cell: 4 gates, each Linear({nh}+{ni} -> {nh}) on cat([h, input])")
    ctx.log(f"refactored: ih = Linear({ni} -> 4*{nh}), hh = Linear({nh} -> 4*{nh}), "
            "gates = (ih(input) + hh(h)).chunk(4, 1)")
    ctx.log(f"weights copied: hh.weight = the gates' first {nh} columns (the h part) stacked, "
            f"ih.weight = their last {ni} columns (the input part); W @ cat([h, x]) = "
            "W_h @ h + W_x @ x")
    h = c = torch.zeros(bs, nh)
    state_a = state_b = (h, c)
    worst = 0.0
    for _ in range(steps):
        x = torch.randn(bs, ni)
        _, state_a = cell(x, state_a)
        _, state_b = ref(x, state_b)
        worst = max(worst, _max_diff(state_a, state_b))
    ctx.log(f"max |difference| in h and c over {steps} steps: {worst:.3g}")

    # In PyTorch's gate order, the refactored cell is exactly nn.LSTMCell.
    torch_cell = nn.LSTMCell(ni, nh)
    with torch.no_grad():
        torch_cell.weight_ih.copy_(ref.ih.weight)
        torch_cell.weight_hh.copy_(ref.hh.weight)
        torch_cell.bias_ih.copy_(ref.ih.bias)
        torch_cell.bias_hh.copy_(ref.hh.bias)
    x, s = torch.randn(bs, ni), (torch.randn(bs, nh), torch.randn(bs, nh))
    torch_diff = _max_diff(torch_cell(x, s), ref(x, s)[1])
    ctx.log(f"refactored cell vs nn.LSTMCell with the same weights: {torch_diff:.3g}")
    n_book = sum(p.numel() for p in cell.parameters())
    n_ref = sum(p.numel() for p in ref.parameters())
    ctx.log(f"parameters: book cell {n_book}, refactored {n_ref} (two bias vectors instead of "
            f"one: {n_ref - n_book} = 4*{nh} more, redundant since they are added)")
    return {"max_abs_diff": worst, "torch_cell_max_abs_diff": torch_diff,
            "params_book": n_book, "params_refactored": n_ref,
            "extra_bias_params": n_ref - n_book}


def gru_scratch(ctx: RunContext) -> dict[str, Any]:
    """ch12-fr3: our GRU equals nn.GRU, then trains the LMModel6 setup on it."""
    final, hp = _check_then_train(ctx, GRU, nn.GRU)
    if hp["epochs"] < 1:
        return final
    runs = []
    for i, seed in enumerate(hp["seeds"]):
        _, ours = gru_models(hp, seed)
        epochs = train_lm(ctx, ours, hp, seed, emit=(i == 0), kind=GRU_KINDS[1])
        runs.append({"seed": seed, "epochs": epochs})
        _log_run(ctx, f"LMModel6 setup on our GRU, seed {seed}", epochs)
    log_book_lstm(ctx)
    final.update(_summary({"ours": runs}, "ours"))
    final["book_lstm_accuracy"] = BOOK_LSTM_ACCURACY
    return final


def _train_lstm_beside(ctx: RunContext, hp: dict[str, Any]) -> dict[str, Any]:
    """LMModel6 itself (nn.LSTM) for the same seeds, so a GRU is compared with the LSTM the
    chapter trains rather than with the book's single run."""
    runs = []
    for seed in hp["seeds"]:
        lstm, _ = lstm_models(hp, seed)
        epochs = train_lm(ctx, lstm, hp, seed, emit=False, kind=LSTM_KINDS[0])
        runs.append({"seed": seed, "epochs": epochs})
        _log_run(ctx, f"LMModel6 (nn.LSTM), seed {seed}", epochs)
    return _summary({"lstm": runs}, "lstm")


def gru_torch(ctx: RunContext) -> dict[str, Any]:
    """ch12-fr3: nn.GRU and our GRU trained side by side, and LMModel6's LSTM beside them."""
    final, hp, pair = _beside_torch(ctx, GRU, nn.GRU, gru_models, GRU_KINDS, 0,
                                    "LMModel6 setup (2 layers, n_hidden 64)")
    if pair is None:
        return final
    ref, ours = pair.ref, pair.ours
    lstm = _train_lstm_beside(ctx, hp)
    log_book_lstm(ctx)
    rows = [(name, " ".join(f"{a:.4f}" for a in s["accuracies"]), f"{min(s['accuracies']):.4f}",
             f"{statistics.median(s['accuracies']):.4f}", f"{max(s['accuracies']):.4f}")
            for name, s in (("nn.GRU", ref), ("our GRU", ours), ("LMModel6 (nn.LSTM)", lstm))]
    ctx.log(f"GRU against LSTM, same settings ({hp['epochs']} epochs, lr {hp['lr']}), seeds "
            f"{hp['seeds']}:")
    ctx.log(format_table(("model", "final accuracy per seed", "min", "median", "max"), rows))
    ctx.log(f"the book's LMModel6 (one run): {BOOK_LSTM_ACCURACY}; single runs differ by several "
            "points, so compare the spreads, not one run of each (--param seeds=0,1,2)")
    final.update(ref)
    final.update({"scratch_accuracy": ours["accuracy"], "scratch_accuracies": ours["accuracies"],
                  "scratch_median_accuracy": ours["median_accuracy"],
                  "scratch_seconds_per_epoch": ours["seconds_per_epoch"],
                  "lstm_accuracy": lstm["accuracy"], "lstm_accuracies": lstm["accuracies"],
                  "lstm_median_accuracy": lstm["median_accuracy"], **pair.gaps,
                  "book_lstm_accuracy": BOOK_LSTM_ACCURACY})
    return final


def dropout(ctx: RunContext) -> dict[str, Any]:
    """ch12-q32, q33: the mask, the fraction zeroed, the mean kept, identity in eval."""
    torch.set_num_threads(1)
    torch.manual_seed(ctx.params["seed"])
    p, n = ctx.params["p"], ctx.params["size"]
    drop = Dropout(p)
    small = torch.ones(4, 8)
    out = drop(small)
    ctx.log(f"Dropout(p={p}) in training on ones(4, 8):\n{out}")
    ctx.log(f"mask (1 kept, 0 dropped):\n{(out != 0).int()}")

    x = torch.rand(n) + 0.5  # positive activations, mean 1
    y = drop(x)
    frac = float((y == 0).float().mean())
    kept = y != 0
    scale = float((y[kept] / x[kept]).mean())
    mean_in, mean_out = float(x.mean()), float(y.mean())
    ctx.log(format_table(("", "value"), [
        ("fraction zeroed", f"{frac:.4f} (p = {p})"), ("survivors scaled by", f"{scale:.4f} "
         f"(1/(1-p) = {1 / (1 - p):.4f})"), ("mean in", f"{mean_in:.4f}"),
        ("mean out", f"{mean_out:.4f}")]))
    ctx.log("scaling in training keeps each activation's expected value, so nothing needs "
            "changing at inference")

    drop.eval()
    eval_out = drop(x)
    ctx.log(f"eval(): output is the input object itself: {eval_out is x}")
    rejected = []
    for bad in (1.0, -0.1, 1.5):
        try:
            Dropout(bad)
        except ValueError as err:
            rejected.append(bad)
            ctx.log(f"Dropout({bad}) -> ValueError: {err}")
    zero = Dropout(0.0)
    p0_identity = bool(torch.equal(zero(x), x))
    return {
        "p": p, "fraction_zeroed": frac, "fraction_error": abs(frac - p),
        "kept_scale": scale, "scale_error": abs(scale - 1 / (1 - p)),
        "mean_in": mean_in, "mean_out": mean_out,
        "mean_rel_error": abs(mean_out - mean_in) / mean_in,
        "eval_identity": eval_out is x, "invalid_p_rejected": len(rejected) == 3,
        "p0_identity": p0_identity,
    }

