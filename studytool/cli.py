"""The `studytool` command line: parses, calls domain code, prints.

Commands live in `studytool.commands.<module>` and are imported only when invoked, so
`studytool --help` and `--version` stay light (no torch, no SQLAlchemy, no Textual).
"""

from __future__ import annotations

import importlib
import keyword
import sys

import click

from studytool import __version__
from studytool.errors import StudytoolError, error_line, interrupt_exit_code

# module under studytool.commands -> its commands and their one-line help for --help; each
# command is the module's function of its name (`-` as `_`, and `import_` for `import`)
MODULES: dict[str, dict[str, str]] = {
    "study": {
        "decks": "Decks with counts: new, learning, review, due today.",
        "review": "Review due cards in the plain terminal.",
        "stats": "Reviews, retention and cards by state.",
        "cards": "Each card's memory state: S, D, R now, lapses, due, flags.",
    },
    "schedule": {
        "reschedule": "Set the desired retention and reschedule the studied cards.",
    },
    "deck": {
        "validate": "Validate question files (default: the installed decks).",
        "import-questions": "Turn a questionnaire (fastbook notebook or Markdown) into a deck.",
        "write-answer": "Write a question's answer into its deck file.",
    },
    "grade": {"grade": "Grade a typed answer by meaning and key concepts."},
    "runs": {
        "answers": "List the runnable answers and the questions they answer.",
        "run": "Run one answer in a child process and show its results.",
        "check": "Self-check: run every answer and its checks.",
    },
    "exchange": {
        "export": "Export progress (json, csv, apkg, md).",
        "import": "Import progress: a JSON export or an Anki package.",
        "optimize": "Fit personal FSRS parameters from the review log.",
    },
    "exercise": {"exercise": "Write your own GRU, LSTM, Dropout... and verify them."},
    "classes": {
        "learners": "Who studies in this database; add a learner.",
        "class": "The teacher's view of a class; set up a class server.",
    },
}


def _function(command: str) -> str:
    name = command.replace("-", "_")
    return f"{name}_" if keyword.iskeyword(name) else name


# command name -> (module under studytool.commands, function, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    name: (module, _function(name), short_help)
    for module, commands in MODULES.items() for name, short_help in commands.items()}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module_name, attr, short_help = spec
        try:
            module = importlib.import_module(f"studytool.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"studytool.commands.{module_name}":
                raise
            return _not_built(cmd_name, short_help)
        command = getattr(module, attr)
        command.short_help = command.short_help or short_help
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing help must not import every command module.
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _not_built(name: str, short_help: str) -> click.Command:
    @click.command(name=name, short_help=short_help,
                   context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def placeholder(args: tuple[str, ...]) -> None:
        raise StudytoolError(f"'{name}' is not available in this version yet")

    return placeholder


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(__version__, "--version", prog_name="studytool")
@click.option("--db", "db_url", metavar="URL", envvar="STUDYTOOL_DB",
              help="Database URL (default: SQLite file in the user data directory).")
@click.option("--learner", metavar="NAME", envvar="STUDYTOOL_LEARNER",
              help="Who is studying (default: 'default'; on a class server, your role).")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, learner: str | None, debug: bool) -> None:
    """Study fastbook chapter 12 from the terminal. With no command, open the app."""
    from studytool.config import resolve_db_url

    if db_url is not None and not db_url.strip():
        raise StudytoolError("--db needs a database URL, e.g. sqlite:///path/to/file.sqlite3")
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = resolve_db_url(db_url)
    ctx.obj["learner"] = _learner_name(learner)
    ctx.obj["debug"] = debug
    if ctx.invoked_subcommand is not None:
        from studytool.commands.signals import terminate_like_ctrl_c

        terminate_like_ctrl_c()  # `kill` cleans up like Ctrl-C: runs cancelled and stored
    else:
        try:
            from studytool.tui.app import run_app
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("studytool.tui"):
                raise
            raise StudytoolError("the terminal app is not available in this version yet; "
                                 "see `studytool --help`") from exc
        run_app(ctx.obj["db_url"], ctx.obj["learner"])


def _learner_name(value: str | None) -> str | None:
    """--learner, checked before any work starts (the database says whether it exists)."""
    if value is None:
        return None
    from studytool.learner_name import check_name

    return check_name(value)


def main(argv: list[str] | None = None) -> None:
    """Entry point: one-line errors and exit codes (0 ok, 1 check/run failed, 2 bad input)."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        # Without standalone mode click returns (not raises) the code of an Exit in a command.
        rv = cli.main(args=argv, prog_name="studytool", standalone_mode=False)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if debug:
            raise
        click.echo(f"error: {error_line(exc.format_message())}", err=True)
        sys.exit(2 if exc.exit_code == 2 else exc.exit_code or 2)
    except StudytoolError as exc:
        if debug:
            raise
        click.echo(f"error: {error_line(exc)}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt as exc:  # Ctrl-C: 130; SIGTERM (Terminated): 143
        from studytool.errors import interrupt_name

        click.echo(f"error: interrupted ({interrupt_name(exc)})", err=True)
        sys.exit(interrupt_exit_code(exc))
    except Exception as exc:  # last resort: never a traceback without --debug
        if debug:
            raise
        from studytool.store.errors import describe, is_db_error

        if is_db_error(exc):  # no SQL or parameters on the learner's screen
            click.echo(f"error: {error_line(describe(exc))}", err=True)
            sys.exit(1)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        click.echo(f"error: {error_line(f'{type(exc).__name__}: {first}')} (run with --debug "
                   "for details)", err=True)
        sys.exit(1)
    sys.exit(0)
