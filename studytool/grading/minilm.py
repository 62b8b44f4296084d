"""all-MiniLM-L6-v2 sentence embeddings, written out in numpy (runs in the grading child).

The model is BERT (Devlin et al. 2018) at MiniLM size: token + position + segment embeddings
and a LayerNorm, then 6 encoder layers, each multi-head self-attention and a GELU feed-forward
network, each sub-layer added to its input and LayerNorm-ed after (post-LN). The sentence
embedding is the mean of the last layer's token vectors over the attention mask, L2-normalised
(the model's 1_Pooling and Normalize modules). Sizes come from config.json; tokenization from
tokenizer.json through the `tokenizers` library; weights from model.safetensors through
`safetensors`. numpy rather than torch: importing torch alone takes longer than loading and
running this whole model, and these matrices are small enough for numpy's BLAS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Tokens per forward pass: small batches keep each layer's activations in the CPU's cache
# (measured here on the deck's 494 texts: 256 tokens 7.2 s, 1024 8.2 s, 4096 11.1 s).
TOKEN_BUDGET = 256


class ModelFormatError(ValueError):
    """The files do not describe the model this encoder implements."""


@dataclass(frozen=True)
class BertConfig:
    vocab_size: int
    hidden_size: int
    layers: int
    heads: int
    intermediate_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pad_token_id: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BertConfig:
        """The sizes of config.json; ModelFormatError for a variant written out differently."""
        expected = {"model_type": "bert", "hidden_act": "gelu",
                    "position_embedding_type": "absolute"}
        for key, value in expected.items():
            if data.get(key, value) != value:
                raise ModelFormatError(f"config.json: {key} is {data.get(key)!r}, this encoder "
                                       f"implements {value!r}")
        try:
            config = cls(int(data["vocab_size"]), int(data["hidden_size"]),
                         int(data["num_hidden_layers"]), int(data["num_attention_heads"]),
                         int(data["intermediate_size"]), int(data["max_position_embeddings"]),
                         int(data["type_vocab_size"]), float(data["layer_norm_eps"]),
                         int(data.get("pad_token_id", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFormatError(f"config.json: {exc}") from None
        if config.hidden_size % config.heads:
            raise ModelFormatError("config.json: hidden_size is not a multiple of the heads")
        return config


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (hidden, 3 * hidden): the query, key and value projections side by side
    qkv_bias: np.ndarray
    out: np.ndarray  # (hidden, hidden)
    out_bias: np.ndarray
    ln1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray  # (hidden, intermediate)
    up_bias: np.ndarray
    down: np.ndarray  # (intermediate, hidden)
    down_bias: np.ndarray
    ln2: tuple[np.ndarray, np.ndarray]


class MiniLM:
    """Sentence embeddings: `embed(texts)` gives (n, hidden) float32 rows of unit length."""

    def __init__(self, config: BertConfig, weights: Mapping[str, np.ndarray],
                 tokenizer: Any, max_tokens: int) -> None:
        self.config = config
        self.max_tokens = min(max_tokens, config.max_positions)
        self.tokenizer = tokenizer
        self.tokenizer.no_padding()  # we pad each batch to its own longest text
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        h = config.hidden_size

        def get(name: str, shape: tuple[int, ...]) -> np.ndarray:
            try:
                array = weights[name]
            except KeyError:
                raise ModelFormatError(f"model.safetensors has no {name}") from None
            if tuple(array.shape) != shape:
                raise ModelFormatError(f"model.safetensors: {name} is {tuple(array.shape)}, "
                                       f"config.json says {shape}")
            return np.ascontiguousarray(array, dtype=np.float32)

        def linear(name: str, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
            # Stored (out, in); copied to (in, out) once: x @ W on that layout is 12% faster
            # here than handing BLAS the transposed view.
            return (np.ascontiguousarray(get(f"{name}.weight", (n_out, n_in)).T),
                    get(f"{name}.bias", (n_out,)))

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return get(f"{name}.weight", (h,)), get(f"{name}.bias", (h,))

        e = "embeddings"
        self.words = get(f"{e}.word_embeddings.weight", (config.vocab_size, h))
        self.positions = get(f"{e}.position_embeddings.weight", (config.max_positions, h))
        # One segment: every token is type 0.
        self.segment = get(f"{e}.token_type_embeddings.weight", (config.type_vocab_size, h))[0]
        self.embed_norm = norm(f"{e}.LayerNorm")
        self.layers = []
        for i in range(config.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (linear(f"{p}.attention.self.{n}", h, h) for n in ("query", "key", "value"))
            out, out_bias = linear(f"{p}.attention.output.dense", h, h)
            up, up_bias = linear(f"{p}.intermediate.dense", h, config.intermediate_size)
            down, down_bias = linear(f"{p}.output.dense", config.intermediate_size, h)
            self.layers.append(_Layer(
                np.hstack([q[0], k[0], v[0]]),
                np.concatenate([q[1], k[1], v[1]]), out, out_bias,
                norm(f"{p}.attention.output.LayerNorm"), up, up_bias, down, down_bias,
                norm(f"{p}.output.LayerNorm")))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, hidden) float32, one unit-length row per text, in the order given. Texts run in
        batches of similar length, about TOKEN_BUDGET tokens each (padding included)."""
        rows = np.zeros((len(texts), self.config.hidden_size), dtype=np.float32)
        # The sentence-transformers pipeline strips each text before tokenizing.
        encodings = self.tokenizer.encode_batch([text.strip() for text in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batch: list[int] = []
        for index in order:
            if batch and (len(batch) + 1) * len(encodings[index].ids) > TOKEN_BUDGET:
                rows[batch] = self._embed([encodings[i].ids for i in batch])
                batch = []
            batch.append(index)
        if batch:
            rows[batch] = self._embed([encodings[i].ids for i in batch])
        return rows

    def _embed(self, token_ids: list[list[int]]) -> np.ndarray:
        longest = max(len(ids) for ids in token_ids)
        ids = np.full((len(token_ids), longest), self.config.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(token_ids), longest), dtype=bool)
        for row, tokens in enumerate(token_ids):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = True
        vectors = self.forward(ids, mask)  # (n, seq, hidden)
        weights = mask[..., None].astype(np.float32)
        pooled = (vectors * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        length = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(length, 1e-12)

    def forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last layer's token vectors, (n, seq, hidden)."""
        n, seq = ids.shape
        c = self.config
        heads, size = c.heads, c.hidden_size // c.heads
        x = self.words[ids] + self.positions[:seq] + self.segment
        x = _layer_norm(x, *self.embed_norm, c.eps)
        # Padding is never attended to: its score is -inf before the softmax.
        blocked = np.where(mask, 0.0, -np.inf).astype(np.float32)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        x = x.reshape(n * seq, c.hidden_size)  # 2-D: each projection is one BLAS call
        for layer in self.layers:
            qkv = (x @ layer.qkv + layer.qkv_bias).reshape(n, seq, 3, heads, size)
            # Each (n, heads, seq, size), made contiguous: numpy's batched products only
            # reach BLAS for contiguous blocks (three times faster here).
            q, k, v = np.ascontiguousarray(qkv.transpose(2, 0, 3, 1, 4))
            scores = q @ k.transpose(0, 1, 3, 2)
            scores *= scale
            scores += blocked
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * seq, c.hidden_size)
            x = _layer_norm(context @ layer.out + layer.out_bias + x, *layer.ln1, c.eps)
            inner = x @ layer.up
            inner += layer.up_bias
            x = _layer_norm(_gelu(inner) @ layer.down + layer.down_bias + x, *layer.ln2, c.eps)
        return x.reshape(n, seq, c.hidden_size)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)  # biased, as LayerNorm's
    return centred / np.sqrt(variance + np.float32(eps)) * weight + bias


# erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7, float32's own resolution):
# numpy has no erf, and BERT's "gelu" is the exact x * Phi(x), not the tanh approximation.
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _gelu(x: np.ndarray) -> np.ndarray:
    """x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)), in place over x (float32 throughout)."""
    a = np.abs(x) * np.float32(1.0 / np.sqrt(2.0))
    t = a * np.float32(_P)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(_A[4])
    for coefficient in reversed(_A[:4]):
        poly += coefficient
        poly *= t
    a *= a
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # now 1 - erf(|x| / sqrt 2)
    # x/2 * (1 + erf(x/sqrt 2)): for x >= 0 that is x/2 * (2 - poly), for x < 0 x/2 * poly.
    np.subtract(2.0, poly, out=poly, where=x >= 0)
    poly *= x
    poly *= 0.5
    return poly


def load(files: Mapping[str, bytes]) -> MiniLM:
    """The encoder from the model's files (model_files.read_verified); ModelFormatError when
    they ask for a pipeline other than the one written out here."""
    from safetensors.numpy import load as load_safetensors
    from tokenizers import Tokenizer

    def read(name: str) -> Any:
        try:
            return json.loads(files[name])
        except (KeyError, ValueError) as exc:
            raise ModelFormatError(f"{name}: {exc}") from None

    config = BertConfig.from_json(read("config.json"))
    modules = [m.get("type", "").rsplit(".", 1)[-1] for m in read("modules.json")]
    if modules != ["Transformer", "Pooling", "Normalize"]:
        raise ModelFormatError(f"modules.json: the pipeline is {modules}, this encoder "
                               "implements Transformer, Pooling, Normalize")
    pooling = read("1_Pooling/config.json")
    modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode") and v)
    if modes != ["pooling_mode_mean_tokens"]:
        raise ModelFormatError(f"1_Pooling/config.json: pooling {modes}, this encoder "
                               "implements the mean over tokens")
    sentence = read("sentence_bert_config.json")
    if sentence.get("do_lower_case"):
        raise ModelFormatError("sentence_bert_config.json: do_lower_case before the tokenizer "
                               "is not implemented")
    spec = read("tokenizer.json")
    _check_tokenizer(spec, read("tokenizer_config.json"), read("special_tokens_map.json"),
                     config)
    tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode("utf-8"))
    return MiniLM(config, load_safetensors(files["model.safetensors"]), tokenizer,
                  int(sentence["max_seq_length"]))


def _check_tokenizer(spec: Mapping[str, Any], settings: Mapping[str, Any],
                     special: Mapping[str, Any], config: BertConfig) -> None:
    """tokenizer.json must do what tokenizer_config.json says the model was trained with:
    lower-case text, [CLS] text [SEP], and pad with the id the model expects."""
    normalizer = spec.get("normalizer") or {}
    if bool(normalizer.get("lowercase")) != bool(settings.get("do_lower_case")):
        raise ModelFormatError("tokenizer.json does not lower-case as tokenizer_config.json says")
    template = (spec.get("post_processor") or {}).get("single") or []
    pieces = [next(iter(step.values())).get("id") for step in template]
    if pieces != [special.get("cls_token"), "A", special.get("sep_token")]:
        raise ModelFormatError(f"tokenizer.json wraps a text as {pieces}, not [CLS] text [SEP]")
    vocab = (spec.get("model") or {}).get("vocab") or {}
    if vocab.get(special.get("pad_token")) != config.pad_token_id:
        raise ModelFormatError("tokenizer.json's padding token is not config.json's pad id")
