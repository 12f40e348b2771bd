"""The result store cannot lie: lock, integrity on open, faults as one line, workers die with
their parent, summarize of failed / corrupt / missing stores, --out never overwrites the study.

Issue #10, points 5, 6 (summarize) and 8 (the study side).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from loyaltysem.cli import main
from loyaltysem.exceptions import StoreError
from loyaltysem.robustness import (PlanChangedError, ResultStore, StoreLockedError, load_results,
                                   run_study)

from lavaan_reference import ROOT

STUDY = textwrap.dedent(f"""
    name: tiny
    seed: 11
    model: {ROOT / 'models/corp_rep.yaml'}
    data: corp_rep
    na_values: [-99]
    variants: [baseline]
    estimators: [ML]
    samples: [full, {{bootstrap: 24}}]
""")
PLANNED = 25


def quiet_run(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(*args, progress=False, **kwargs)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A finished study: (study file, its folder of results)."""
    base = tmp_path_factory.mktemp("reference")
    study = base / "tiny.yaml"
    study.write_text(STUDY)
    quiet_run(study, base / "done")
    return study, base / "done"


@pytest.fixture()
def finished(reference, tmp_path):
    """A copy of the finished study's folder, to damage."""
    study, done = reference
    target = tmp_path / "store"
    shutil.copytree(done, target)
    return study, target


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loyaltysem.cli", *args], capture_output=True,
                          text=True, timeout=300, **kwargs)


def assert_one_line(stderr: str, *needles: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.strip().splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result


# --- the lock ---------------------------------------------------------------------------

def test_a_second_run_is_refused_naming_the_holder_and_force_too(reference, tmp_path):
    study, _ = reference
    holder = ResultStore(tmp_path / "d", "some-digest")
    try:
        for extra in ([], ["--force"]):
            result = invoke("robust", "run", str(study), "--out", str(tmp_path / "d"),
                            "--no-progress", *extra)
            assert result.exit_code == 2
            line = assert_one_line(result.stderr, "in use by another run", f"pid {os.getpid()}",
                                   "started 20")
            assert ("--force cannot take over" in line) == bool(extra)
        with pytest.raises(StoreLockedError):
            ResultStore(tmp_path / "d", "some-digest", force=True)
    finally:
        holder.close()
    with pytest.raises(PlanChangedError):          # released: the digest check comes next
        ResultStore(tmp_path / "d", "other-digest")
    ResultStore(tmp_path / "d", "other-digest", force=True).close()


def test_the_lock_of_a_killed_process_is_not_stale(tmp_path):
    code = (f"from loyaltysem.robustness import ResultStore; import time; "
            f"s = ResultStore({str(tmp_path / 'd')!r}, 'x'); print('held', flush=True); "
            "time.sleep(120)")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "held"
        with pytest.raises(StoreLockedError, match=f"pid {process.pid} "):
            ResultStore(tmp_path / "d", "x")
    finally:
        process.kill()
        process.wait()
    ResultStore(tmp_path / "d", "x").close()      # the OS released the flock of the dead run


# --- integrity on open --------------------------------------------------------------------

def test_a_bad_json_row_is_deleted_and_rerun_never_counted_done(reference, finished):
    study, store = finished
    db = sqlite3.connect(store / "results.sqlite")
    db.execute("UPDATE results SET payload = '{not json' WHERE rowid = 3")
    db.execute("UPDATE results SET payload = '[{\"est\": 1}]' WHERE rowid = 5")   # no statistic
    db.commit()
    db.close()
    result = invoke("robust", "summarize", str(store))
    assert result.exit_code == 2
    assert_one_line(result.stderr, "cannot be read", "robust run")
    summary = quiet_run(study, store)
    assert (summary.repaired, summary.executed, summary.already_done) == (2, 2, PLANNED - 2)
    pd.testing.assert_frame_equal(load_results(store), load_results(reference[1]))


def test_a_garbage_page_is_repaired_and_its_rows_rerun(reference, finished):
    study, store = finished
    path = store / "results.sqlite"
    pages = path.stat().st_size // 4096
    assert pages >= 6
    with path.open("r+b") as handle:
        handle.seek(4096 * (pages // 2))
        handle.write(os.urandom(4096))
    result = invoke("robust", "summarize", str(store))
    assert result.exit_code == 2
    assert_one_line(result.stderr, "robust run")
    result = invoke("robust", "run", str(study), "--out", str(store), "--no-progress")
    assert result.exit_code == 0, result.stderr
    assert "unreadable results repaired" in result.stderr
    repaired = int(result.stderr.split(" unreadable")[0].rsplit(", ", 1)[1])
    assert result.stderr.startswith(f"{repaired} tasks run, {PLANNED - repaired} already done")
    pd.testing.assert_frame_equal(load_results(store), load_results(reference[1]))


def test_a_truncated_store_is_repaired(reference, finished):
    study, store = finished
    path = store / "results.sqlite"
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    result = invoke("robust", "run", str(study), "--out", str(store), "--no-progress")
    assert result.exit_code == 0, result.stderr
    pd.testing.assert_frame_equal(load_results(store), load_results(reference[1]))


def test_not_a_database_is_one_line_and_force_starts_over(reference, tmp_path):
    study, _ = reference
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "results.sqlite").write_bytes(b"this is not sqlite at all\n" * 400)
    result = invoke("robust", "run", str(study), "--out", str(tmp_path / "d"), "--no-progress")
    assert result.exit_code == 2
    assert_one_line(result.stderr, "results.sqlite", "not a database", "--force")
    result = invoke("robust", "summarize", str(tmp_path / "d"))
    assert result.exit_code == 2
    assert_one_line(result.stderr, "not a database")
    result = invoke("robust", "run", str(study), "--out", str(tmp_path / "d"), "--no-progress",
                    "--force")
    assert result.exit_code == 0, result.stderr
    assert f"{PLANNED} tasks run, 0 already done" in result.stderr


# --- faults of the folder and the disk --------------------------------------------------

def _unprivileged() -> list[str]:
    """A command prefix that makes root respect file permissions (it ignores them otherwise)."""
    if os.getuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"]


def cli_as_user(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*_unprivileged(), sys.executable, "-m", "loyaltysem.cli", *args],
                          capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture()
def open_folder():
    """A folder any user can enter (pytest's tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="loyaltysem-store-"))
    folder.chmod(0o755)
    study = folder / "tiny.yaml"
    study.write_text(STUDY.replace("bootstrap: 24", "bootstrap: 200"))
    study.chmod(0o644)
    yield folder, study
    subprocess.run(["chmod", "-R", "u+rwx", str(folder)], check=False)
    shutil.rmtree(folder, ignore_errors=True)


def test_a_read_only_folder_is_one_line(open_folder):
    folder, study = open_folder
    out = folder / "ro"
    out.mkdir()
    out.chmod(0o555)
    result = cli_as_user("robust", "run", str(study), "--out", str(out), "--no-progress")
    assert result.returncode == 2, result.stderr
    assert_one_line(result.stderr, "writable")


def test_a_folder_made_read_only_mid_run_is_one_line_not_sigbus(open_folder):
    folder, study = open_folder
    # MLM resamples are fitted one by one (ML resamples are refitted as one stack, done in less
    # than the poll below), so the run is still mid-way when the folder turns read-only
    study.write_text(study.read_text().replace("[ML]", "[MLM]").replace("200}", "2000}"))
    out = folder / "rw"
    out.mkdir()
    process = subprocess.Popen([*_unprivileged(), sys.executable, "-m", "loyaltysem.cli",
                                "robust", "run",
                                str(study), "--out", str(out), "--no-progress"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not _stored(out / "results.sqlite"):
        time.sleep(0.2)
    assert process.poll() is None and 0 < _stored(out / "results.sqlite") < 2001, "not mid-run"
    out.chmod(0o555)
    _, stderr = process.communicate(timeout=240)
    assert process.returncode == 2, (process.returncode, stderr)   # SIGBUS would be -7
    assert_one_line(stderr, "results.sqlite", "writable")


def _stored(path: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1)
        try:
            return int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def test_a_full_disk_is_one_line(open_folder):
    """RLIMIT_FSIZE stands in for a full disk: writes beyond 48 KB fail."""
    import resource

    folder, study = open_folder

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (48 * 1024, 48 * 1024))

    result = cli("robust", "run", str(study), "--out", str(folder / "full"), "--no-progress",
                 preexec_fn=limit)
    assert result.returncode == 2, result.stderr
    assert_one_line(result.stderr, "cannot write results to", "results.sqlite")


# --- workers end with their parent --------------------------------------------------------

def _children(pid: int) -> list[int]:
    import psutil

    return [child.pid for child in psutil.Process(pid).children(recursive=True)]


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_workers_exit_soon_after_kill_9_of_the_main_process(open_folder):
    folder, study = open_folder
    process = subprocess.Popen([sys.executable, "-m", "loyaltysem.cli", "robust", "run",
                                str(study), "--out", str(folder / "k"), "--no-progress",
                                "--jobs", "2"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    workers: list[int] = []
    while time.time() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = _children(process.pid)
    assert len(workers) >= 2, "the run must have started its workers"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers), "workers outlived their parent"
    assert ResultStore(folder / "k", "x", force=True).close() is None   # and the lock is free


# --- summarize ------------------------------------------------------------------------------

def test_summarize_of_a_study_whose_tasks_all_failed(tmp_path):
    store = ResultStore(tmp_path, "digest")
    store.write([{"task": f"variant=baseline|estimator=ML|group=all|sample=bootstrap|index={i}",
                  "status": "error", "message": "the model is not identified\nmore", "payload": []}
                 for i in range(3)])
    store.close()
    for output in ("text", "markdown", "html"):
        result = invoke("robust", "summarize", str(tmp_path), "--format", output)
        assert result.exit_code == 0, result.stderr
        assert "error" in result.stdout and "3" in result.stdout
        assert "No task finished ok (3 tasks; first error: the model is not identified)" \
            in result.stderr and "--retry-errors" in result.stderr


def test_summarize_of_an_empty_or_missing_store(tmp_path):
    ResultStore(tmp_path / "empty", "digest").close()
    result = invoke("robust", "summarize", str(tmp_path / "empty"))
    assert result.exit_code == 0 and "no results yet" in result.stderr
    result = invoke("robust", "summarize", str(tmp_path / "none"))
    assert result.exit_code == 2
    assert_one_line(result.stderr, "run the study first")


def test_summarize_out_never_overwrites_the_store_or_the_study(finished):
    study, store = finished
    copy = store.parent / "study.yaml"
    shutil.copy(study, copy)
    ResultStore(store, _digest(store), study=copy).close()
    before = {path: path.read_bytes() for path in (copy, store / "results.sqlite")}
    for target, needle in ((store / "results.sqlite", "choose another"), (copy, "study file"),
                           (store / "results.lock", "choose another"),
                           (store.parent / "nowhere" / "s.txt", "exist")):
        result = invoke("robust", "summarize", str(store), "--out", str(target))
        assert result.exit_code == 2, result.stderr
        assert_one_line(result.stderr, "--out", needle)
    assert {path: path.read_bytes() for path in before} == before
    result = invoke("robust", "summarize", str(store), "--out", str(store.parent / "s.md"),
                    "--format", "markdown")
    assert result.exit_code == 0 and "| statistic |" in (store.parent / "s.md").read_text()


def _digest(store: Path) -> str:
    db = sqlite3.connect(store / "results.sqlite")
    try:
        return db.execute("SELECT value FROM meta WHERE key = 'digest'").fetchone()[0]
    finally:
        db.close()


def test_store_errors_are_loyaltysem_errors():
    assert issubclass(StoreLockedError, StoreError) and issubclass(PlanChangedError, StoreError)


def test_planted_symlinks_in_the_study_folder_are_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    for name in ("results.lock", "results.sqlite"):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / name).symlink_to(victim)
        with pytest.raises(StoreError, match="symbolic link"):
            ResultStore(folder, "digest")
    assert victim.read_text() == "precious\n"


def test_two_real_runs_on_one_store_the_second_is_refused(open_folder):
    folder, study = open_folder
    # MLM tasks are fitted one by one (ML/MLR resamples are stacked and the whole
    # study would finish before the second run starts): the first run stays busy
    study.write_text(study.read_text().replace("estimators: [ML]", "estimators: [MLM]")
                     .replace("200}", "2000}"))
    out = folder / "two"
    first = subprocess.Popen([sys.executable, "-m", "loyaltysem.cli", "robust", "run", str(study),
                              "--out", str(out), "--no-progress"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not _stored(out / "results.sqlite"):
            time.sleep(0.2)
        assert first.poll() is None, "the first run must still be running"
        other = study.with_name("other.yaml")
        other.write_text(study.read_text().replace("seed: 11", "seed: 12"))
        for path, extra in ((study, []), (other, ["--force"])):
            second = cli("robust", "run", str(path), "--out", str(out), "--no-progress", *extra)
            assert second.returncode == 2
            assert_one_line(second.stderr, "in use by another run", f"pid {first.pid} on ")
    finally:
        first.kill()
        first.wait()
    digests = {row[0] for row in sqlite3.connect(out / "results.sqlite").execute(
        "SELECT value FROM meta WHERE key = 'digest'")}
    assert len(digests) == 1


def test_a_changed_digit_in_a_payload_is_caught_by_the_checksum(reference, finished):
    study, store = finished
    db = sqlite3.connect(store / "results.sqlite")
    (payload,) = db.execute("SELECT payload FROM results WHERE rowid = 4").fetchone()
    changed = payload.replace('"est": ', '"est": 9', 1)
    assert json.loads(changed) != json.loads(payload)       # still valid JSON of the schema
    db.execute("UPDATE results SET payload = ? WHERE rowid = 4", (changed,))
    db.commit()
    db.close()
    summary = quiet_run(study, store)
    assert (summary.repaired, summary.executed) == (1, 1)
    pd.testing.assert_frame_equal(load_results(store), load_results(reference[1]))


def test_a_store_written_before_checksums_still_resumes(reference, finished):
    study, store = finished
    db = sqlite3.connect(store / "results.sqlite")
    db.execute("CREATE TABLE old AS SELECT task, status, message, payload FROM results")
    db.execute("DROP TABLE results")
    db.execute("CREATE TABLE results (task TEXT PRIMARY KEY, status TEXT, message TEXT, "
               "payload TEXT)")
    db.execute("INSERT INTO results SELECT * FROM old")
    db.execute("DROP TABLE old")
    db.commit()
    db.close()
    pd.testing.assert_frame_equal(load_results(store), load_results(reference[1]))
    summary = quiet_run(study, store)
    assert (summary.repaired, summary.executed, summary.already_done) == (0, 0, PLANNED)
