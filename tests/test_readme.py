"""Every code block of README.md runs (so the README cannot rot).

The README's fenced code blocks are parsed in order and run in one temporary
working folder that holds a copy of ``models/`` (so ``report.html``,
``survey.csv``, ``fit.md`` and study results never land in the repository);
the shipped datasets are used where they are (``LOYALTYSEM_DATASETS`` points
at ``datasets/``), found by name as in ``--data corp_rep``.

What each fence tag means:

``python``
    Run with ``exec`` in ONE namespace shared by all Python blocks, in README
    order (a later block uses ``ls``, ``spec``, ``data``, ``result`` of an
    earlier one), with matplotlib's Agg backend. Tracebacks name README.md
    and its line.
``bash``, ``console``
    Shell commands, one per line: a leading ``$ `` is stripped, a line ending
    in ``\\`` is joined with the next, a trailing ``# comment`` is dropped,
    ``a && b`` is two commands. Each runs as a subprocess without a shell
    (``loyaltysem`` is the installed console script), within
    :data:`COMMAND_TIMEOUT` seconds, and must exit 0. Commands of one block
    run :data:`WORKERS` at a time, in README order, except that a command
    waits for every earlier one that names a file which did not exist when
    the block began (``--out survey.csv`` ... ``--data survey.csv``; two
    ``--out report.html``): the same results as one at a time, in half the
    time.
``shell-r``
    Needs R (``apt-get``, ``Rscript``): NOT run.
``shell-long``
    Robustness studies that run for minutes (the README gives their measured
    time beside them, and an executed block runs the same studies with
    ``--dry-run``): NOT run.

Any other tag (or a fence without one) fails :func:`test_every_block_has_a_known_tag`,
so a new block must be given a meaning here first. Every exception to "runs
as written" is in :data:`NOT_RUN_TAGS` and :data:`NOT_RUN_COMMANDS`, nowhere else.

A block whose earlier blocks have not run yet (e.g. selected alone with
``-k``) runs them first; if one of them fails, the block is skipped.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: Seconds any one README command may take (the slowest, ``validate`` on mobi,
#: takes ~15 s on a busy 2-core machine).
COMMAND_TIMEOUT = 120

PYTHON_TAGS = {"python"}
SHELL_TAGS = {"bash", "console"}

#: Commands of one shell block that may run at once (CI has 2 cores).
WORKERS = 2

#: The README's Python blocks fit corp_rep with listwise deletion, and say so.
pytestmark = pytest.mark.filterwarnings("ignore::loyaltysem.exceptions.MissingValueWarning")

#: The exceptions, all of them: fence tags whose blocks are not run ...
NOT_RUN_TAGS = {
    "shell-r": "needs R (apt-get, Rscript)",
    "shell-long": "robustness studies of several minutes; the README runs the same studies with --dry-run",
}
#: ... and the commands of executed blocks that are not run (the README's
#: set-up line): pip would reinstall the package, and pytest is what is running.
NOT_RUN_COMMANDS = {
    'pip install -e ".[test]"': "installs the package (already installed to run this test)",
    "python3 -m pytest -q": "the test suite, which is running now",
}

_NOT_RUN_ARGV = {tuple(shlex.split(command)) for command in NOT_RUN_COMMANDS}

#: Files the README writes: they must appear in the working folder, never in the repository.
OUTPUTS = ("report.html", "survey.csv", "fit.md", "ecsi.svg")


@dataclass(frozen=True)
class Block:
    index: int
    tag: str
    line: int          # README line of the first line of code
    code: str

    @property
    def first_line(self) -> str:
        line = next((s.strip() for s in self.code.splitlines() if s.strip()), "")
        return line[2:] if line.startswith("$ ") else line

    @property
    def runs(self) -> bool:
        return self.tag in PYTHON_TAGS | SHELL_TAGS


_OPEN = re.compile(r"^```\s*([^`\s]*)\s*$")
_CLOSE = re.compile(r"^```\s*$")


def parse_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, in order."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        if not opened:
            i += 1
            continue
        start = i + 1
        j = start
        while j < len(lines) and not _CLOSE.match(lines[j]):
            j += 1
        if j == len(lines):
            raise AssertionError(f"README.md:{i + 1}: code fence never closed")
        blocks.append(Block(len(blocks), opened.group(1), start + 1, "\n".join(lines[start:j])))
        i = j + 1
    return blocks


def shell_commands(code: str) -> list[tuple[int, str, list[str]]]:
    """(line offset, command as written, argv) of every command of a shell block."""
    commands = []
    pending, first = "", 0
    for offset, raw in enumerate(code.splitlines()):
        line = raw.strip()
        if not pending:
            first = offset
            if line.startswith("$ "):
                line = line[2:]
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        words = shlex.split(line, comments=True)
        while words:
            cut = words.index("&&") if "&&" in words else len(words)
            part, words = words[:cut], words[cut + 1:]
            if part:
                commands.append((first, shlex.join(part), part))
    assert not pending, "a shell block ends in a line continuation"
    return commands


BLOCKS = parse_blocks(README.read_text(encoding="utf-8"))


def _id(block: Block) -> str:
    return f"{block.index:02d}-{block.tag or 'untagged'}-{block.first_line[:60]}"


class _Session:
    """The working folder, the Python namespace and which blocks have run."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.namespace: dict = {"__name__": "__readme__"}
        self.outcome: dict[int, bool] = {}
        self.env = dict(os.environ, LOYALTYSEM_DATASETS=str(ROOT / "datasets"), MPLBACKEND="Agg")
        script = Path(sys.executable).with_name("loyaltysem")
        found = str(script) if script.exists() else shutil.which("loyaltysem")
        self.programs = {"loyaltysem": [found] if found else [sys.executable, "-m", "loyaltysem.cli"]}

    def run(self, block: Block) -> None:
        if block.tag in PYTHON_TAGS:
            self._run_python(block)
        else:
            self._run_shell(block)

    def _run_python(self, block: Block) -> None:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        # leading newlines: line numbers in a traceback are README.md's
        code = compile("\n" * (block.line - 1) + block.code, str(README), "exec")
        cwd = os.getcwd()
        os.chdir(self.workdir)
        try:
            exec(code, self.namespace)
        finally:
            os.chdir(cwd)
            plt.close("all")

    def _run_shell(self, block: Block) -> None:
        commands = [(f"README.md:{block.line + offset}: {written}", argv)
                    for offset, written, argv in shell_commands(block.code)
                    if tuple(argv) not in _NOT_RUN_ARGV]
        assert commands, f"README.md:{block.line}: a {block.tag} block without commands to run"
        for where, argv in commands:
            assert argv[0] in self.programs, (
                f"{where}\n  {argv[0]!r} is neither a program this test runs ({', '.join(self.programs)}) "
                f"nor listed in NOT_RUN_COMMANDS")
        # files a command of this block may write: named, and not there before the block
        new_files = [{w for w in argv[1:] if not w.startswith("-") and ("." in w or "/" in w)
                      and not (self.workdir / w).exists()} for _, argv in commands]
        futures: list[Future] = []
        with ThreadPoolExecutor(WORKERS) as pool:
            for k, (where, argv) in enumerate(commands):
                after = [futures[j] for j in range(k) if new_files[j] & new_files[k]]
                futures.append(pool.submit(self._command, where, argv, after))
        failures = [f.result() for f in futures if f.result()]
        assert not failures, "\n\n".join(failures)

    def _command(self, where: str, argv: list[str], after: list[Future]) -> str:
        """Run one command (once the commands in ``after`` have); '' or what went wrong."""
        if any(f.result() for f in after):
            return ""  # an earlier command it depends on failed: that one is reported
        try:
            done = subprocess.run(self.programs[argv[0]] + argv[1:], cwd=self.workdir, env=self.env,
                                  capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            return f"{where}\n  did not finish within {COMMAND_TIMEOUT} s\nstderr:\n{_tail(exc.stderr)}"
        if done.returncode != 0:
            return (f"{where}\n  exit status {done.returncode}\nstderr:\n{_tail(done.stderr)}\n"
                    f"stdout:\n{_tail(done.stdout)}")
        return ""


def _tail(text: str | bytes | None, limit: int = 3000) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    text = (text or "").strip()
    return text if len(text) <= limit else "..." + text[-limit:]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> _Session:
    workdir = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "models", workdir / "models",
                    ignore=shutil.ignore_patterns("results", "__pycache__"))
    return _Session(workdir)


@pytest.fixture(scope="module")
def repository_outputs_before() -> set[str]:
    return {name for name in OUTPUTS if (ROOT / name).exists()}


def test_every_block_has_a_known_tag():
    assert BLOCKS, "no code blocks found in README.md"
    known = PYTHON_TAGS | SHELL_TAGS | set(NOT_RUN_TAGS)
    unknown = [f"README.md:{b.line - 1}: ```{b.tag}" for b in BLOCKS if b.tag not in known]
    assert not unknown, f"code blocks whose tag this test does not know ({sorted(known)}): {unknown}"


def test_not_run_commands_are_in_the_readme():
    """An exception that no longer matches a README command is stale: remove it."""
    written = {tuple(argv) for b in BLOCKS if b.tag in SHELL_TAGS for _, _, argv in shell_commands(b.code)}
    assert _NOT_RUN_ARGV <= written, _NOT_RUN_ARGV - written


@pytest.mark.timeout(600)  # a hung Python block (commands have COMMAND_TIMEOUT each)
@pytest.mark.parametrize("block", BLOCKS, ids=_id)
def test_readme_block(block: Block, session: _Session, repository_outputs_before: set[str]) -> None:
    if block.tag in NOT_RUN_TAGS:
        pytest.skip(f"```{block.tag} is not run: {NOT_RUN_TAGS[block.tag]}")
    if block.tag not in PYTHON_TAGS | SHELL_TAGS:
        pytest.fail(f"README.md:{block.line - 1}: unknown tag ```{block.tag}")
    for earlier in BLOCKS[:block.index]:
        if not earlier.runs:
            continue
        if earlier.index not in session.outcome:
            try:
                session.run(earlier)
                session.outcome[earlier.index] = True
            except Exception:
                session.outcome[earlier.index] = False
        if not session.outcome[earlier.index]:
            pytest.skip(f"an earlier block failed: {_id(earlier)}")
    session.outcome[block.index] = False
    session.run(block)
    session.outcome[block.index] = True


def test_outputs_stay_out_of_the_repository(session: _Session, repository_outputs_before: set[str]) -> None:
    """Runs after the blocks: what they wrote is in the working folder only."""
    if not all(session.outcome.get(b.index) for b in BLOCKS if b.runs):
        pytest.skip("not every README block ran")
    new = {name for name in OUTPUTS if (ROOT / name).exists()} - repository_outputs_before
    assert not new, f"README commands wrote into the repository: {sorted(new)}"
    assert (session.workdir / "report.html").is_file() and (session.workdir / "survey.csv").is_file()
