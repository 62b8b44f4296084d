"""Hostile input to export and import (issue 14, items 4, 11 and 12), through the real
command in child processes: each refused with one `error:` line and exit 2, the database
byte-identical; and an export killed with SIGKILL leaves no file behind."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from export_helpers import as_lines, dump, read_export
from test_exchange_json import seed

from studytool.exchange.json_export import export_json


@pytest.fixture
def learner(tmp_path) -> Path:
    """A database with a history, and its export at learner.json."""
    path = tmp_path / "learner.sqlite3"
    service = seed(f"sqlite:///{path}", [(0, 3, 5), (1, 1, 5), (0, 4, 3000)])
    export_json(service.db, tmp_path / "learner.json")
    service.db.close()
    return path


def run(cmd: list[str], env: dict, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, timeout=120)


def refused(done: subprocess.CompletedProcess[str]) -> str:
    """The one error line of a refused command."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr.strip()


# -- item 4: an impossible card -------------------------------------------------------------
IMPOSSIBLE = {
    "review without stability and difficulty": dict(state=2, stability=None, difficulty=None),
    "relearning without a step": dict(state=3, step=None, stability=3.0, difficulty=5.0),
    "learning without a step": dict(state=1, step=None, stability=3.0, difficulty=5.0),
    "stability without difficulty": dict(state=2, stability=3.0, difficulty=None),
    "a new card with a stability": dict(state=0, step=None, stability=3.0, difficulty=5.0),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(IMPOSSIBLE))
def test_an_impossible_card_is_refused(case, learner, tmp_path, studytool_cmd, child_env):
    doc = read_export(tmp_path / "learner.json")
    doc["cards"][0].update(IMPOSSIBLE[case])
    bad = tmp_path / "bad.json"
    bad.write_text(as_lines(doc))
    target = tmp_path / "target.sqlite3"
    seed(f"sqlite:///{target}", [(2, 3, 10)]).db.close()
    before = dump(target)
    line = refused(run(studytool_cmd, child_env, "--db", f"sqlite:///{target}", "import",
                       str(bad)))
    assert "cards[0]: Value error, cannot be scheduled: " in line, line
    assert dump(target) == before


# -- item 11: export -o onto something that is not a regular file ---------------------------
def _symlink(path: Path) -> str:
    (path.parent / "precious.txt").write_text("keep me")
    path.symlink_to(path.parent / "precious.txt")
    return "a symbolic link"


def _dangling(path: Path) -> str:
    path.symlink_to(path.parent / "nowhere.txt")
    return "a symbolic link"


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return "a named pipe (FIFO)"


def _device(path: Path) -> str:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    return "a character device"


def _folder(path: Path) -> str:
    path.mkdir()
    return "a folder"


@pytest.mark.parametrize("make", [_symlink, _dangling, _fifo, _device, _folder],
                         ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("fmt", ["json", "md"])
def test_export_never_replaces_anything_but_a_regular_file(make, fmt, learner, tmp_path,
                                                           studytool_cmd, child_env):
    target = tmp_path / f"out.{fmt}"
    kind = make(target)
    mode = os.lstat(target).st_mode
    before = dump(learner)
    line = refused(run(studytool_cmd, child_env, "--db", f"sqlite:///{learner}", "export",
                       "--format", fmt, "-o", str(target)))
    assert line == (f"error: {target} is {kind}, not a regular file: an export writes only a "
                    "new file or replaces a regular one")
    assert os.lstat(target).st_mode == mode  # still the same kind of thing
    if make is _symlink:
        assert (tmp_path / "precious.txt").read_text() == "keep me"
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
    assert dump(learner) == before


def test_export_still_replaces_a_regular_file(learner, tmp_path, studytool_cmd, child_env):
    target = tmp_path / "out.json"
    target.write_text("an old backup")
    done = run(studytool_cmd, child_env, "--db", f"sqlite:///{learner}", "export",
               "--format", "json", "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert read_export(target)["format"] == "studytool-export"


# -- item 12: anything else given to import (an Anki package imports: test_exchange_anki.py) --
ACCEPTS = ('import reads the JSON file that "studytool export --format json" writes, or an '
           'Anki package (.apkg)')


@pytest.mark.slow
def test_a_file_that_is_no_export_given_to_import_says_what_import_reads(
        learner, tmp_path, studytool_cmd, child_env):
    (tmp_path / "log.csv").write_text("card_id,review_time,review_rating\n1,2,3\n")
    (tmp_path / "list.json").write_text("[1, 2]")
    before = dump(learner)
    lines = {name: refused(run(studytool_cmd, child_env, "--db", f"sqlite:///{learner}",
                               "import", str(tmp_path / name)))
             for name in ("learner.sqlite3", "log.csv", "list.json")}
    assert lines["learner.sqlite3"].endswith(f"a SQLite database, not a studytool export; "
                                             f"{ACCEPTS}")
    for name in ("log.csv", "list.json"):
        assert lines[name].endswith(f"not a studytool export (no \"format\": "
                                    f"\"studytool-export\"); {ACCEPTS}"), lines[name]
    assert dump(learner) == before


# -- item 12: escape sequences in what an import stores --------------------------------------
@pytest.mark.slow
def test_an_escape_sequence_in_an_id_is_refused_and_in_text_made_visible(
        learner, tmp_path, studytool_cmd, child_env):
    doc = read_export(tmp_path / "learner.json")
    target = tmp_path / "target.sqlite3"
    seed(f"sqlite:///{target}", [(2, 3, 10)]).db.close()
    before = dump(target)
    bad = json.loads(json.dumps(doc))
    bad["decks"][0]["id"] = "d1\x1b]0;owned\x07"
    for card in bad["cards"]:
        card["deck_id"] = bad["decks"][0]["id"]
    for review in bad["reviews"]:
        review["deck_id"] = bad["decks"][0]["id"]
    (tmp_path / "bad.json").write_text(as_lines(bad))
    line = refused(run(studytool_cmd, child_env, "--db", f"sqlite:///{target}", "import",
                       str(tmp_path / "bad.json")))
    assert "decks[0].id: String should match pattern" in line and "\x1b" not in line
    assert dump(target) == before

    doc["decks"][0]["title"] = "Deck \x1b[2J\x1b[31mred\x9b"
    doc["cards"][0]["text"] = "line one\n\tline \x1b[1mtwo\x00"
    (tmp_path / "titled.json").write_text(as_lines(doc))
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    done = run(studytool_cmd, child_env, "--db", fresh, "import", str(tmp_path / "titled.json"))
    assert done.returncode == 0, done.stderr
    stored = "\n".join(dump(tmp_path / "fresh.sqlite3"))
    assert "\x1b" not in stored and "\x9b" not in stored and "\x00" not in stored
    assert "Deck \u241b[2J\u241b[31mred\ufffd" in stored
    assert "line one\\n\\tline \u241b[1mtwo\u2400" in stored or \
        "line one\n\tline \u241b[1mtwo\u2400" in stored
    decks = run(studytool_cmd, child_env, "--db", fresh, "decks")
    assert "\x1b" not in decks.stdout


# -- item 12: a killed export leaves no file ------------------------------------------------
KILL = """
import os, sys
from pathlib import Path
url, fmt, out, when = sys.argv[1:5]

def die(*args, **kwargs):
    os.kill(os.getpid(), 9)

if when == "before naming":  # the whole file written: killed as it is about to get its name
    os.link = os.replace = die
    import pathlib
    pathlib.Path.replace = die
else:  # halfway through the reviews
    from studytool.exchange import json_export

    def halfway(real):  # either version's writer of a section
        def write(out, key, *args, **kwargs):
            if key == "reviews":
                out.write('"reviews":[' + "x" * 200000)
                out.flush()
                die()
            return real(out, key, *args, **kwargs)
        return write

    json_export._write_list = halfway(json_export._write_list)
    json_export._write_lines = halfway(json_export._write_lines)
from studytool.exchange.api import export_to
from studytool.store import open_db
export_to(open_db(url), fmt, Path(out))
"""


@pytest.mark.parametrize(("fmt", "when"), [("json", "halfway"), ("json", "before naming"),
                                           ("csv", "before naming"), ("apkg", "before naming"),
                                           ("md", "before naming")])
@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_an_export_killed_leaves_no_file_behind(fmt, when, existing, learner, tmp_path,
                                                child_env):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"backup.{fmt}"
    if existing:
        target.write_text("the last good backup")
    done = subprocess.run([sys.executable, "-c", KILL, f"sqlite:///{learner}", fmt,
                           str(target), when], capture_output=True, text=True, env=child_env,
                          timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    left = sorted(p.name for p in folder.iterdir())
    assert left == ([target.name] if existing else []), left
    if existing:
        assert target.read_text() == "the last good backup"


def test_a_leftover_of_a_dead_export_is_removed_by_the_next(learner, tmp_path):
    from studytool.exchange.api import export_to
    from studytool.store import open_db

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / f".out.json.{gone.pid}-0000.partial"
    alive = tmp_path / f".out.json.{os.getpid()}-0000.partial"
    dead.write_text("left by a writer killed between link and rename")
    alive.write_text("an export running right now")
    db = open_db(f"sqlite:///{learner}")
    export_to(db, "json", tmp_path / "out.json")
    db.close()
    assert not dead.exists() and alive.exists()


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "named temporary"])
def test_an_export_file_is_whole_or_not_there(unnamed, tmp_path, monkeypatch):
    from studytool.exchange import output

    if not unnamed:  # another OS, or a file system without O_TMPFILE
        monkeypatch.delattr(os, "O_TMPFILE")
    target = tmp_path / "x.txt"
    with output.atomic_text(target) as out:
        out.write("first")
        during = sorted(p.name for p in tmp_path.iterdir())
    if unnamed:
        assert during == []  # nothing has a name until it is whole
    else:
        assert len(during) == 1 and during[0].startswith(".x.txt.")
        assert during[0].endswith(".partial")
    assert target.read_text() == "first"
    with pytest.raises(RuntimeError), output.atomic_text(target) as out:
        out.write("second, cut short")
        raise RuntimeError("disk fell off")
    assert target.read_text() == "first"
    with output.atomic_text(target) as out:
        out.write("third")
    assert target.read_text() == "third"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]
