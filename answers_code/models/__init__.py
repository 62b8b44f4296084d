"""The chapter's language models, one module each (see each module's docstring for the questions
it answers)."""

from answers_code.models.lm1 import LMModel1
from answers_code.models.lm2 import LMModel2
from answers_code.models.lm3 import LMModel3
from answers_code.models.lm4 import LMModel4
from answers_code.models.lm5 import LMModel5
from answers_code.models.lm6 import LMModel6
from answers_code.models.lm7 import LMModel7
from answers_code.models.third_word import ThirdWordModel

__all__ = [
    "LMModel1",
    "LMModel2",
    "LMModel3",
    "LMModel4",
    "LMModel5",
    "LMModel6",
    "LMModel7",
    "ThirdWordModel",
]
