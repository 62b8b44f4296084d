"""How results read: significant digits for figures, allocation failures told apart."""

from __future__ import annotations

import errno

import pytest

from studytool.runner.figures import figure
from studytool.runner.memory import is_out_of_memory


@pytest.mark.parametrize(("value", "text"), [
    (1.401298464324817e-45, "1.401e-45"),  # float32's gap near 0: not 0.0000
    (1.1920928955078125e-07, "1.192e-07"),  # float32 eps
    (0.0009765625, "9.766e-04"),
    (0.00036, "3.6e-04"),
    (0.4762369791666667, "0.4762"),
    (0.9, "0.9"),
    (1.3764, "1.376"),
    (12345.67, "12346"),
    (8.0, "8"),
    (0.0, "0"),
    (4294967296.0, "4.295e+09"),
    (-2.5e6, "-2.5e+06"),
    (float("nan"), "nan"),
    (float("-inf"), "-inf"),
    (3, "3"),
    (True, "True"),
    (None, "-"),
    ("text", "text"),
    ([0.4762369791666667, 1e-9], "[0.4762, 1e-09]"),
    ({"a": 0.12345, "b": [2.0]}, "{a: 0.1235, b: [2]}"),
])
def test_figures_keep_significant_digits(value, text):
    assert figure(value) == text


def test_an_unmappable_shared_object_is_out_of_memory_only_under_a_limit():
    exc = ImportError("/venv/numpy/random/_generator.so: failed to map segment from shared "
                      "object")
    assert is_out_of_memory(exc, limited=True)
    assert not is_out_of_memory(exc, limited=False)  # without a limit: a broken install
    assert not is_out_of_memory(ImportError("No module named 'numpy'"), limited=True)
    assert is_out_of_memory(OSError(errno.ENOMEM, "Cannot allocate memory"), limited=True)
    assert is_out_of_memory(MemoryError(), limited=False)
    assert is_out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory"),
                            limited=False)
    assert not is_out_of_memory(ValueError("shapes 3 and 4 do not match"), limited=True)


def test_an_import_error_raised_while_out_of_memory_is_out_of_memory():
    try:
        try:
            raise MemoryError
        except MemoryError as cause:
            raise ImportError("numpy C-extensions failed") from cause
    except ImportError as exc:
        assert is_out_of_memory(exc, limited=False)
