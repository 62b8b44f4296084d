"""A built wheel works without the source checkout: data files ship inside it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                            str(out), str(REPO)], capture_output=True, text=True, timeout=300)
    if build.returncode != 0:
        pytest.skip(f"could not build a wheel here: {build.stderr.strip()[-200:]}")
    (wheel,) = out.glob("studytool-*.whl")
    target = out / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=300)
    return wheel


@pytest.mark.slow
def test_wheel_carries_decks_migrations_and_book_tables(installed_wheel: Path) -> None:
    names = set(zipfile.ZipFile(installed_wheel).namelist())
    assert "studytool/_data/questions/ch12.toml" in names
    assert "studytool/_data/db/env.py" in names
    assert any(n.startswith("studytool/_data/db/versions/") for n in names)
    assert "answers_code/book_tables.json" in names
    assert "answers_code/calibration.json" in names  # the accuracy floors derive from it
    assert any(n.endswith("entry_points.txt") for n in names)
    # Every exercise in the ordered list ships its three files (the app reads them installed).
    assert "answers_code/exercises/order.toml" in names
    folders = [p for p in (REPO / "answers_code" / "exercises").iterdir()
               if (p / "checks.py").exists()]
    assert len(folders) == 7
    for folder in folders:
        for part in ("scaffold.py", "checks.py", "solution.py"):
            assert f"answers_code/exercises/{folder.name}/{part}" in names


@pytest.mark.slow
def test_installed_wheel_runs_outside_the_checkout(installed_wheel: Path, tmp_path: Path) -> None:
    site = installed_wheel.parent / "site"
    env = dict(os.environ, PYTHONPATH=str(site), STUDYTOOL_HOME=str(tmp_path / "home"))
    env.pop("STUDYTOOL_DB", None)

    def studytool(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "studytool", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    where = subprocess.run([sys.executable, "-c", "import studytool; print(studytool.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(site))  # not the checkout
    assert studytool("--version").returncode == 0
    assert studytool("--help").returncode == 0
    validate = studytool("validate")
    assert validate.returncode == 0, validate.stderr
    assert "43 questions" in validate.stdout
    decks = studytool("decks", "--json")
    assert decks.returncode == 0, decks.stderr
    assert '"ch12"' in decks.stdout
