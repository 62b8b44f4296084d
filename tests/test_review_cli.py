"""`studytool review`, `decks` and `stats` as child processes on real SQLite files."""

from __future__ import annotations

import json
import os
import pty
import select
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "cli.sqlite3"


def cli(cmd, env, db_path, *args, stdin=""):
    return subprocess.run([*cmd, "--db", f"sqlite:///{db_path}", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=60)


def review_rows(db_path: Path) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT c.question_id, r.rating FROM review_log r "
                            "JOIN cards c ON c.id = r.card_id ORDER BY r.id").fetchall()


def test_a_scripted_review_prints_each_card_and_acknowledges_each_rating(
        studytool_cmd, child_env, db_path):
    result = cli(studytool_cmd, child_env, db_path, "review", stdin="3\n\n1\n2\nq\n3\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "card 1 ch12-q01 new"
    assert lines[1].startswith("Q: If the dataset for your project is so big")
    acks = [line for line in lines if line.startswith("rated ")]
    assert acks == ["rated Good: next due in 10m", "rated Again: next due in 1m",
                    "rated Hard: next due in 6m"]
    assert lines[-1] == "done: 3 reviewed"
    assert review_rows(db_path) == [("ch12-q01", 3), ("ch12-q02", 1), ("ch12-q03", 2)]


@pytest.mark.slow
def test_undo_bury_and_suspend_from_a_script(studytool_cmd, child_env, db_path):
    result = cli(studytool_cmd, child_env, db_path, "review", stdin="4\nu\nb\ns\nq\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "undone: ch12-q01 is new again" in out
    assert "buried ch12-q01 until " in out and "suspended ch12-q02" in out
    assert out.splitlines()[-1] == "done: 0 reviewed"
    assert review_rows(db_path) == []
    assert _flags(db_path) == {"ch12-q01": 1, "ch12-q02": 1}
    again = cli(studytool_cmd, child_env, db_path, "review", stdin="q\n")
    assert again.stdout.splitlines()[0] == "card 3 ch12-q03 new"
    # u takes back a suspend, then a bury, each showing that card again
    undone = cli(studytool_cmd, child_env, db_path, "review", stdin="b\ns\nu\nu\nu\nq\n")
    lines = undone.stdout.splitlines()
    assert "undone: ch12-q04 is new again" in lines and "undone: ch12-q03 is new again" in lines
    assert lines.index("undone: ch12-q04 is new again") < lines.index(
        "undone: ch12-q03 is new again")
    assert "nothing to undo" in lines
    assert lines[-1] == "done: 0 reviewed"  # undoing a bury or a suspend takes back no review
    assert _flags(db_path, "ch12-q03", "ch12-q04") == {"ch12-q03": 0, "ch12-q04": 0}


def _flags(db_path, *questions: str) -> dict[str, int]:
    """Each question's card: 1 when it is suspended or buried."""
    questions = questions or ("ch12-q01", "ch12-q02")
    marks = ", ".join("?" for _ in questions)
    with sqlite3.connect(db_path) as conn:
        return dict(conn.execute("SELECT question_id, suspended OR buried_until IS NOT NULL "
                                 f"FROM cards WHERE question_id IN ({marks})", questions))


def test_a_bad_command_is_one_error_line_and_the_review_goes_on(
        studytool_cmd, child_env, db_path):
    result = cli(studytool_cmd, child_env, db_path, "review", stdin="x\n3\n7\n")
    assert result.stderr.splitlines()[0].startswith("error: unknown command 'x'")
    assert result.stderr.splitlines()[1].startswith("error: unknown command '7'")
    assert "Traceback" not in result.stderr
    assert result.returncode == 2  # the input had bad lines
    assert review_rows(db_path) == [("ch12-q01", 3)]


def test_an_unknown_deck_is_refused(studytool_cmd, child_env, db_path):
    result = cli(studytool_cmd, child_env, db_path, "review", "--deck", "ch99", stdin="q\n")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: unknown deck 'ch99' (known: ch12)"


@pytest.mark.slow
def test_decks_json_counts_today(studytool_cmd, child_env, db_path):
    cli(studytool_cmd, child_env, db_path, "review", "--deck", "ch12", stdin="1\n4\n")
    result = cli(studytool_cmd, child_env, db_path, "decks", "--json")
    assert result.returncode == 0, result.stderr
    [deck] = json.loads(result.stdout)
    assert deck == {"id": "ch12", "title": deck["title"], "new": 18, "learning": 1,
                    "review": 0, "due_today": 19, "reviewed_today": 2,
                    "total": deck["total"], "suspended": 0}
    assert deck["total"] >= 39
    text = cli(studytool_cmd, child_env, db_path, "decks").stdout.splitlines()
    assert text[0].split()[:6] == ["deck", "new", "learn", "review", "due", "done"]
    assert text[1].split()[:6] == ["ch12", "18", "1", "0", "19", "2"]


@pytest.mark.slow
def test_stats_json(studytool_cmd, child_env, db_path):
    cli(studytool_cmd, child_env, db_path, "review", stdin="3\n4\n")
    result = cli(studytool_cmd, child_env, db_path, "stats", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["reviews_today"] == 2
    assert stats["by_state"]["learning"] == 1 and stats["by_state"]["review"] == 1
    assert stats["retention_30d"] is None
    assert len(stats["reviews_per_day"]) == 30 and stats["reviews_per_day"][-1]["count"] == 2
    assert len(stats["forecast_30d"]) == 30
    text = cli(studytool_cmd, child_env, db_path, "stats").stdout
    assert "reviews today      2" in text


def test_the_default_database_lives_in_the_data_directory(studytool_cmd, child_env):
    result = subprocess.run([*studytool_cmd, "decks"], capture_output=True, text=True,
                            env=child_env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (Path(child_env["STUDYTOOL_HOME"]) / "studytool.sqlite3").is_file()


def test_the_interactive_review_in_a_terminal(studytool_cmd, child_env, db_path):
    master, slave = pty.openpty()
    proc = subprocess.Popen([*studytool_cmd, "--db", f"sqlite:///{db_path}", "review"],
                            stdin=slave, stdout=slave, stderr=slave, env=child_env)
    os.close(slave)
    seen = b""

    def wait_for(text: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while text not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break

    try:
        wait_for(b"Enter/space: show answer")
        os.write(master, b" ")
        wait_for(b"3 Good (10m)")
        assert b"1 Again (1m)" in seen and b"Find or build a small, simple dataset" in seen
        os.write(master, b"3")
        wait_for(b"rated Good: next due in 10m")
        wait_for(b"ch12-q02")
        os.write(master, b"q")
        wait_for(b"1 reviewed.")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert review_rows(db_path) == [("ch12-q01", 3)]


@pytest.mark.slow
def test_a_database_from_a_newer_version_is_one_error_line(studytool_cmd, child_env, db_path):
    assert cli(studytool_cmd, child_env, db_path, "decks").returncode == 0
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zz99'")
    result = cli(studytool_cmd, child_env, db_path, "review", stdin="3\n")
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: database was written by a newer studytool "
                                     "(revision zz99); upgrade studytool")
    assert result.stdout == ""


@pytest.mark.slow
@pytest.mark.postgres
def test_review_and_stats_against_postgresql(studytool_cmd, child_env):
    url = os.environ.get("STUDYTOOL_TEST_PG")
    if not url:
        pytest.skip("no PostgreSQL: STUDYTOOL_TEST_PG is not set (bash .ci/postgres.sh)")
    from sqlalchemy import create_engine

    def reset() -> None:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([*studytool_cmd, "--db", url, *args], input=stdin,
                              capture_output=True, text=True, env=child_env, timeout=60)

    reset()
    try:
        review = run("review", stdin="3\n1\nu\n4\n")
        assert review.returncode == 0, review.stderr
        assert review.stdout.splitlines()[-1] == "done: 2 reviewed"
        stats = json.loads(run("stats", "--json").stdout)
        assert stats["reviews_today"] == 2
        assert stats["by_state"]["learning"] == 1 and stats["by_state"]["review"] == 1
    finally:
        reset()


def test_terminal_review_reflows_prose_and_keeps_code_and_drawings():
    from studytool.commands.study import _fit

    text = ("A paragraph that the deck file wrapped at its own width, long enough\n"
            "to need re-flowing for a narrow terminal window.\n\n"
            "```python\nloss = loss + alpha * activations.pow(2).mean()  # a long code line stays\n"
            "```\n\n h0 --> [h_h] --> h1\n  |        |")
    fitted = _fit(text, width=40).splitlines()
    code = "loss = loss + alpha * activations.pow(2).mean()  # a long code line stays"
    assert code in fitted and " h0 --> [h_h] --> h1" in fitted and "  |        |" in fitted
    prose = fitted[:fitted.index("")]
    assert all(len(line) <= 40 for line in prose)
    assert " ".join(prose) == ("A paragraph that the deck file wrapped at its own width, long "
                               "enough to need re-flowing for a narrow terminal window.")
