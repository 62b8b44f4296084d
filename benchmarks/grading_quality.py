"""How well `studytool grade` separates right from wrong typed answers (chapter 12 deck).

Grades every answer of benchmarks/data/grading_ch12.toml through the real grading process,
plus, for each question: empty and "I don't know" answers, the question repeated back, and
another question's reference answer. Prints ROC AUC of the score, correct against wrong
(target >= 0.85), on the development and held-out halves; how often the suggested rating
agrees with the label (correct: Good or Easy; partial: Hard or Good; anything else: Again);
and how many answers that must never pass got a passing rating (target 0).

    python benchmarks/grading_quality.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SET = REPO / "benchmarks" / "data" / "grading_ch12.toml"
NON_ANSWERS = ["", "   ", "I don't know", "idk", "no idea, sorry", "?", "I forgot this one",
               "not sure"]
EXPECTED = {"correct": {3, 4}, "partial": {2, 3}}  # everything else: {1}
OTHER_OFFSET = 7  # "another question": the reference answer of the question 7 places on


def labelled_answers(deck: object) -> list[dict[str, object]]:
    """The set's answers and the generated ones, each with question, label, text, half."""
    questions = list(deck.questions)  # type: ignore[attr-defined]
    position = {q.id: i for i, q in enumerate(questions)}
    items: list[dict[str, object]] = []
    for entry in tomllib.loads(SET.read_text(encoding="utf-8"))["answer"]:
        items.append({**entry, "source": "set"})
    for i, question in enumerate(questions):
        for text in NON_ANSWERS:
            items.append({"question": question.id, "label": "empty", "text": text,
                          "source": "non-answer"})
        items.append({"question": question.id, "label": "empty", "text": question.text,
                      "source": "echo"})
        other = questions[(i + OTHER_OFFSET) % len(questions)]
        items.append({"question": question.id, "label": "offtopic", "text": other.answer,
                      "source": f"other:{other.id}"})
    for item in items:
        item["half"] = "dev" if position[str(item["question"])] % 2 == 0 else "held-out"
    return items


def roc_auc(positives: list[float], negatives: list[float]) -> float:
    """P(score of a random positive > score of a random negative), ties counting half."""
    if not positives or not negatives:
        return float("nan")
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    from studytool.deck import load_deck
    from studytool.grading.client import Grader
    from studytool.grading.messages import request_for, warm_requests

    deck = load_deck(REPO / "questions" / "ch12.toml", use_cache=False)
    items = labelled_answers(deck)
    grader = Grader()
    started = time.perf_counter()
    grader.warm(warm_requests([deck]))
    warm_seconds = time.perf_counter() - started
    for item in items:
        grade = grader.grade(request_for(deck, str(item["question"]), str(item["text"])))
        item["score"], item["rating"] = grade.score, grade.suggested_rating
    grader.close()

    report: dict[str, object] = {"answers": len(items), "warm_seconds": round(warm_seconds, 2),
                                 "labels": Counter(str(i["label"]) for i in items)}
    for half in ("dev", "held-out", "all"):
        part = [i for i in items if half == "all" or i["half"] == half]
        scores = {label: [float(i["score"]) for i in part if i["label"] == label]  # type: ignore[arg-type]
                  for label in ("correct", "partial", "wrong", "offtopic", "empty")}
        agree = sum(int(i["rating"]) in EXPECTED.get(str(i["label"]), {1}) for i in part)  # type: ignore[call-overload]
        report[half] = {
            "auc_correct_vs_wrong": round(roc_auc(scores["correct"], scores["wrong"]), 3),
            "auc_correct_vs_rest": round(roc_auc(
                scores["correct"], scores["wrong"] + scores["offtopic"] + scores["empty"]), 3),
            "auc_partial_vs_wrong": round(roc_auc(scores["partial"], scores["wrong"]), 3),
            "rating_agreement": round(agree / len(part), 3),
        }
    must_fail = [i for i in items if i["source"] != "set" and int(i["rating"]) >= 2]  # type: ignore[call-overload]
    report["generated_that_passed"] = [(i["question"], i["source"]) for i in must_fail]
    confusion = Counter((str(i["label"]), int(i["rating"])) for i in items)  # type: ignore[call-overload]
    report["ratings_by_label"] = {label: {r: confusion[(label, r)] for r in (1, 2, 3, 4)}
                                  for label in ("correct", "partial", "wrong", "offtopic",
                                                "empty")}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{len(items)} graded answers: " + ", ".join(
        f"{n} {label}" for label, n in sorted(report["labels"].items())))  # type: ignore[attr-defined]
    print(f"{'half':<9} {'AUC c/w':>8} {'AUC c/rest':>10} {'AUC p/w':>8} {'agree':>6}")
    for half in ("dev", "held-out", "all"):
        row = report[half]
        print(f"{half:<9} {row['auc_correct_vs_wrong']:>8.3f} {row['auc_correct_vs_rest']:>10.3f}"  # type: ignore[index]
              f" {row['auc_partial_vs_wrong']:>8.3f} {row['rating_agreement']:>6.3f}")  # type: ignore[index]
    print("target: AUC correct vs wrong >= 0.85")
    print("suggested rating by label (1 Again, 2 Hard, 3 Good, 4 Easy):")
    for label, row in report["ratings_by_label"].items():  # type: ignore[attr-defined]
        print(f"  {label:<8} " + "  ".join(f"{r}:{n:>3}" for r, n in row.items()))
    print(f"empty / don't know / echo / other question's answer that passed: "
          f"{len(must_fail)} (target 0)")
    for question, source in report["generated_that_passed"]:  # type: ignore[attr-defined]
        print(f"  {question}: {source}")


if __name__ == "__main__":
    main()
