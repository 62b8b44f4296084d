"""`studytool validate` and `studytool import-questions` as a learner runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studytool.config import questions_dir

SEEDS = sorted((Path(__file__).resolve().parents[2] / "shared" / "seed").glob("*.txt"))

GOOD = '''\
[deck]
id = "demo"
title = "Demo"

[[question]]
id = "demo-q01"
text = "What is an RNN?"
answer = "A network with a loop."
'''


def studytool(args: list[str], env: dict[str, str], cwd: Path | None = None):
    return subprocess.run([sys.executable, "-m", "studytool", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def assert_one_error_line(result, code: int) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_validate_without_files_checks_the_installed_decks(child_env):
    result = studytool(["validate"], child_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "ch12.toml: 43 questions ok\n"
    assert result.stderr == ""


def test_validate_reports_each_problem_and_exits_1(tmp_path, child_env):
    good = tmp_path / "good.toml"
    good.write_text(GOOD, encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("answer =", "answr =").replace('"demo"', '"demo"\nextra = 1'),
                   encoding="utf-8")
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    result = studytool(["validate", str(good), str(bad), str(empty)], child_env)
    assert result.stdout.splitlines() == [
        "good.toml: 1 question ok",
        f"{bad}:3: [deck]: unknown field 'extra'",
        f"{bad}:6: demo-q01: missing field 'answer'",
        f"{bad}:9: demo-q01: unknown field 'answr' (did you mean 'answer'?)",
        f"{empty}: file is empty",
    ]
    assert assert_one_error_line(result, 1) == "error: 2 of 3 deck files failed validation"


def test_validate_a_folder_and_warnings_keep_exit_0(tmp_path, child_env):
    (tmp_path / "a.toml").write_text(GOOD.replace("A network with a loop.", "(no answer yet)"),
                                     encoding="utf-8")
    result = studytool(["validate", str(tmp_path)], child_env)
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'a.toml'}:8: warning: demo-q01: no answer yet (write one in 'answer')",
        "a.toml: 1 question ok",
    ]


def test_validate_flags_two_files_with_one_deck_id(tmp_path, child_env):
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text(GOOD, encoding="utf-8")
    result = studytool(["validate", str(tmp_path)], child_env)
    assert result.stdout.splitlines() == [
        "a.toml: 1 question ok",
        f"{tmp_path / 'b.toml'}: deck id 'demo' is already used by {tmp_path / 'a.toml'}",
    ]
    assert_one_error_line(result, 1)


def test_validate_a_missing_file_is_bad_input(tmp_path, child_env):
    result = studytool(["validate", str(tmp_path / "nope.toml")], child_env)
    assert assert_one_error_line(result, 2) == f"error: {tmp_path / 'nope.toml'}: no such file"


def test_a_broken_user_deck_fails_validate_but_not_the_shipped_one(tmp_path, child_env):
    decks = Path(child_env["STUDYTOOL_HOME"]) / "decks"
    decks.mkdir(parents=True)
    (decks / "broken.toml").write_bytes(b"\x00\xff binary")
    result = studytool(["validate"], child_env)
    assert result.stdout.splitlines() == ["ch12.toml: 43 questions ok",
                                          f"{decks / 'broken.toml'}: not a text file (binary data)"]
    assert_one_error_line(result, 1)


def test_import_questions_writes_an_installed_deck(tmp_path, child_env):
    source = tmp_path / "ch13.md"
    source.write_text("# Chapter 13\n\n## What is a CNN?\n\nA convolutional network.\n\n"
                      "## Why pool?\n\n", encoding="utf-8")
    result = studytool(["import-questions", str(source), "--deck", "ch13"], child_env)
    written = Path(child_env["STUDYTOOL_HOME"]) / "decks" / "ch13.toml"
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"wrote 2 questions (deck 'ch13') to {written}\n"
                             "added to the database: 2 new, 0 changed, 0 archived, 0 unchanged\n")
    assert result.stderr == (f"{source}:7: warning: 'Why pool?' has no answer; "
                             "wrote '(no answer yet)'\n")
    decks = studytool(["decks", "--json"], child_env)
    assert [d["id"] for d in json.loads(decks.stdout)] == ["ch12", "ch13"]
    listing = studytool(["validate"], child_env)
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[0] == "ch12.toml: 43 questions ok"
    assert listing.stdout.splitlines()[-1] == "ch13.toml: 2 questions ok"
    again = studytool(["import-questions", str(source), "--deck", "ch13"], child_env)
    assert "already exists" in assert_one_error_line(again, 2)


def test_a_deck_file_in_the_decks_folder_is_studied_only_once_a_database_adds_it(
        tmp_path, child_env):
    folder = Path(child_env["STUDYTOOL_HOME"]) / "decks"
    folder.mkdir(parents=True, exist_ok=True)
    extra = folder / "extra.toml"
    extra.write_text(EXTRA_DECK, encoding="utf-8")
    other = dict(child_env, STUDYTOOL_DB=f"sqlite:///{tmp_path / 'other.sqlite3'}")

    def deck_ids(env):
        listing = studytool(["decks", "--json"], env)
        assert listing.returncode == 0, listing.stderr
        return [d["id"] for d in json.loads(listing.stdout)]

    assert deck_ids(child_env) == ["ch12"]  # sitting in the folder is not enough
    added = studytool(["decks", "add", str(extra)], child_env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added deck extra (")
    assert deck_ids(child_env) == ["ch12", "extra"]
    assert deck_ids(other) == ["ch12"]  # another database never sees it
    exported = studytool(["export", "--format", "json", "-o", str(tmp_path / "o.json")], other)
    assert exported.returncode == 0, exported.stderr
    assert "extra" not in (tmp_path / "o.json").read_text(encoding="utf-8")


def test_decks_add_refuses_a_broken_file_and_changes_nothing(tmp_path, child_env):
    broken = tmp_path / "broken.toml"
    broken.write_text("[deck\nid = ", encoding="utf-8")
    db = Path(child_env["STUDYTOOL_HOME"]) / "x.sqlite3"
    env = dict(child_env, STUDYTOOL_DB=f"sqlite:///{db}")
    result = studytool(["decks", "add", str(broken)], env)
    assert_one_error_line(result, 2)
    assert not db.exists()  # the file was checked before the database was opened


EXTRA_DECK = """\
[deck]
id = "extra"
title = "Extra"

[[question]]
id = "extra-q01"
text = "What is extra?"
answer = "More."
"""


@pytest.mark.parametrize("args, needle", [
    (["import-questions", "missing.md", "--deck", "x"], "missing.md: no such file"),
    (["import-questions", "prose.md", "--deck", "x"], "no questions found"),
    (["import-questions", "prose.md", "--deck", "Bad Name"], "bad deck name"),
    (["import-questions", "prose.md"], "Missing option '--deck'"),
])
def test_import_questions_bad_input_is_one_line_exit_2(tmp_path, child_env, args, needle):
    (tmp_path / "prose.md").write_text("Just prose.\n", encoding="utf-8")
    result = studytool(args, child_env, cwd=tmp_path)
    assert needle in assert_one_error_line(result, 2)


@pytest.mark.skipif(not SEEDS, reason="the learner's seed document is not in ../shared/seed")
def test_import_the_seed_then_validate_it(tmp_path, child_env):
    out = tmp_path / "seed.toml"
    result = studytool(["import-questions", str(SEEDS[0]), "--deck", "seed", "-o", str(out)],
                       child_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"wrote 41 questions (deck 'seed') to {out}\n"
                             "added to the database: 41 new, 0 changed, 0 archived, 0 unchanged\n")
    assert "looks like a question" in result.stderr
    check = studytool(["validate", str(out)], child_env)
    assert (check.returncode, check.stdout) == (0, "seed.toml: 41 questions ok\n")


def test_command_help_does_not_import_pydantic(child_env):
    for command in ("validate", "import-questions"):
        result = subprocess.run([sys.executable, "-X", "importtime", "-m", "studytool", command,
                                 "--help"], capture_output=True, text=True, env=child_env,
                                timeout=60)
        assert result.returncode == 0
        modules = {line.split("|")[-1].strip().split(".")[0]
                   for line in result.stderr.splitlines() if line.startswith("import time:")}
        assert "click" in modules
        assert "pydantic" not in modules and "torch" not in modules, command


def test_loading_an_unchanged_deck_skips_pydantic(child_env):
    probe = ("import sys; from studytool.deck import load_installed; decks, problems = "
             "load_installed(); print(len(decks[0]), problems, 'pydantic' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           env=child_env, timeout=60)
    second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=child_env, timeout=60)
    assert first.stdout == "43 [] True\n"  # validated once...
    assert second.stdout == "43 [] False\n"  # ...then trusted while the file is unchanged
    assert (questions_dir() / "ch12.toml").is_file()
