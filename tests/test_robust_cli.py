"""Files, processes and faults: bad ``--out`` found before any work, one writer per results root, SIGTERM handled
like Ctrl-C, stale hidden folders of killed runs removed, a crash inside the tree swap leaves a whole tree.

Bad input gives one ``interp: error:`` line naming the thing and the fix, exit status 2, no traceback and no
results; faults are simulated with real signals on a subprocess and with a failing ``os.rename``.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

import interp.gate.run
import interp.report
import interp.suite
from interp.atomic import replace_tree
from interp.cli import main
from interp.errors import ConfigError
from interp.report import TREE, new_staging, remove_stale, results_lock

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the command starts loading, training or simulating before its checks."""

    def refuse(*args, **kwargs):
        raise AssertionError("the command started its work before checking its input")

    monkeypatch.setattr(interp.gate.run, "load_study", refuse)
    monkeypatch.setattr(interp.suite, "train_checkpoints", refuse)
    monkeypatch.setattr("interp.data.synthetic.indoor_co2", refuse)


def one_error_line(status: int, capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("interp: error: ") and "Traceback" not in err
    return err


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A folder this process cannot write in (mode 0555; as root, which ignores modes, creating a file in it
    fails as it would for any other user)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:
        real = tempfile.TemporaryFile

        def temporary_file(*args, dir=None, **kwargs):
            if dir is not None and Path(dir).resolve() == folder.resolve():
                raise PermissionError(errno.EACCES, "Permission denied", str(folder))
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "TemporaryFile", temporary_file)
    yield folder
    folder.chmod(0o755)


def test_study_out_that_is_a_file(tmp_path, capsys, no_work):
    file = tmp_path / "results.txt"
    file.write_text("not a folder")
    for out in (file, file / "inside"):
        err = one_error_line(main(["study", "--out", str(out)]), capsys)
        assert f"Found a file at {file}" in err and "--out" in err


def test_study_out_whose_tree_is_a_file(tmp_path, capsys, no_work):
    (tmp_path / TREE).write_text("in the way")
    err = one_error_line(main(["study", "--out", str(tmp_path)]), capsys)
    assert f"Found a file at {tmp_path / TREE}" in err


def test_study_out_that_is_read_only(read_only, capsys, no_work):
    err = one_error_line(main(["study", "--out", str(read_only / "results")]), capsys)
    assert f"Found {read_only} not writable" in err and "Pass another --out" in err


def test_data_out_that_is_a_folder_or_read_only(tmp_path, read_only, capsys, no_work):
    err = one_error_line(main(["data", "--out", str(tmp_path)]), capsys)
    assert f"Found a folder at {tmp_path}" in err
    err = one_error_line(main(["data", "--out", str(read_only / "room.csv")]), capsys)
    assert "not writable" in err and not (read_only / "room.csv").exists()


def test_train_out_that_is_a_folder_or_read_only(tmp_path, read_only, capsys, no_work):
    folder = tmp_path / "model.pt"
    folder.mkdir()
    err = one_error_line(main(["train", "--horizon", "1", "--out", str(folder)]), capsys)
    assert f"Found a folder at {folder}" in err
    err = one_error_line(main(["train", "--horizon", "1", "--out", str(read_only / "m.pt")]), capsys)
    assert "not writable" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["train", "--horizon", "1", "--epochs", "0"], "--epochs expects a whole number ≥ 1. Found 0"),
        (["data", "--days", "0"], "--days expects a whole number ≥ 1. Found 0"),
        (["data", "--days", "-3"], "--days expects a whole number ≥ 1. Found -3"),
        (["data", "--seed", "-1"], "--seed expects a whole number ≥ 0. Found -1"),
    ],
    ids=["epochs-0", "days-0", "days-negative", "seed-negative"],
)
def test_out_of_range_numbers_are_usage_errors(tmp_path, capsys, no_work, args, expected):
    out = tmp_path / ("m.pt" if args[0] == "train" else "room.csv")
    err = one_error_line(main([*args, "--out", str(out)]), capsys)
    assert expected in err
    assert not out.exists()


def test_a_second_study_into_one_out_says_who_holds_it(tmp_path, capsys, no_work):
    with results_lock(tmp_path, "python -m interp study --out first"):
        err = one_error_line(main(["study", "--out", str(tmp_path)]), capsys)
    assert f"pid {os.getpid()}: python -m interp study --out first" in err and "another --out" in err
    with results_lock(tmp_path, "later"):  # released by its holder
        pass


def test_the_lock_dies_with_its_holder(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _script(f"""
            import time
            from pathlib import Path
            from interp.report import results_lock
            with results_lock(Path({str(tmp_path)!r}), "python -m interp study --out slow"):
                print("held", flush=True)
                time.sleep(120)
        """),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ConfigError, match=f"pid {holder.pid}: python -m interp study --out slow"):
            with results_lock(tmp_path, "second"):
                pass
    finally:
        holder.kill()
        holder.communicate()
    with results_lock(tmp_path, "after the holder was killed"):
        pass


def _script(code: str) -> str:
    return f"import sys; sys.path.insert(0, {str(ROOT)!r})\n" + textwrap.dedent(code)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _previous_tree(root: Path, text: str = "previous") -> Path:
    (root / TREE).mkdir(parents=True)
    (root / TREE / "index.html").write_text(text)
    return root / TREE


def test_stale_folders_of_dead_runs_go_and_a_stranded_tree_comes_back(tmp_path):
    dead = _dead_pid()
    partial = tmp_path / f".{TREE}.partial-{dead}-abc"
    (partial / "h1").mkdir(parents=True)
    stranded = _previous_tree(tmp_path / f".{TREE}.old-{dead}-def")
    live = tmp_path / f".{TREE}.partial-{os.getpid()}-ghi"
    live.mkdir()
    other = tmp_path / ".someone-elses"
    other.mkdir()
    staging = new_staging(tmp_path)
    assert (tmp_path / TREE / "index.html").read_text() == "previous"
    assert not partial.exists() and not stranded.parent.exists()
    assert live.is_dir() and other.is_dir()
    assert staging.name.startswith(f".{TREE}.partial-{os.getpid()}-")


def test_a_stale_old_tree_is_not_put_back_over_a_visible_one(tmp_path):
    dead = _dead_pid()
    _previous_tree(tmp_path, "current")
    stranded = _previous_tree(tmp_path / f".{TREE}.old-{dead}-x", "older")
    assert remove_stale(tmp_path) == [stranded.parent.name]
    assert (tmp_path / TREE / "index.html").read_text() == "current"


@pytest.mark.parametrize("fault", [OSError(errno.EIO, "I/O error"), KeyboardInterrupt()])
def test_a_fault_inside_the_tree_swap_puts_the_previous_tree_back(tmp_path, monkeypatch, fault):
    final = _previous_tree(tmp_path)
    staging = tmp_path / ".new"
    staging.mkdir()
    real, calls = os.rename, []

    def rename(source, target):
        calls.append(Path(target))
        if len(calls) == 2:  # the new tree's rename, after the previous one was moved aside
            raise fault
        real(source, target)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(type(fault)):
        replace_tree(staging, final)
    assert (final / "index.html").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([TREE, ".new"])  # nothing moved aside is left


def test_a_hard_kill_inside_the_tree_swap_is_repaired_by_the_next_run(tmp_path):
    _previous_tree(tmp_path)
    staging = tmp_path / ".new"
    staging.mkdir()
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            _script(f"""
            import os, signal
            from pathlib import Path
            from interp.atomic import replace_tree
            real, calls = os.rename, []
            def rename(source, target):
                calls.append(target)
                if len(calls) == 2:
                    os.kill(os.getpid(), signal.SIGKILL)
                real(source, target)
            os.rename = rename
            replace_tree(Path({str(staging)!r}), Path({str(tmp_path / TREE)!r}))
        """),
        ],
        cwd=ROOT,
    )
    assert killed.returncode == -signal.SIGKILL
    assert not (tmp_path / TREE).exists()  # the state a SIGKILL between the two renames leaves
    remove_stale(tmp_path)
    assert (tmp_path / TREE / "index.html").read_text() == "previous"
    assert not [p for p in tmp_path.iterdir() if ".old-" in p.name]


class _StubGate:
    """A GateRun that loads nothing (the interrupt tests stop the run inside write_study)."""

    def __init__(self, sources, baselines):
        pass

    def study(self, hours):
        return None

    def baseline(self, hours):
        return None

    def provenance(self, hours, command):
        return {}


def _interrupted_study(tmp_path, monkeypatch, capsys, publish: bool) -> tuple[int, str]:
    def write_study(studies, root, check, provenance=None):
        if publish:
            staging = new_staging(Path(root))
            (staging / "index.html").write_text("this run")
            replace_tree(staging, Path(root) / TREE)
        raise KeyboardInterrupt

    monkeypatch.setattr(interp.gate.run, "GateRun", _StubGate)
    monkeypatch.setattr(interp.report, "write_study", write_study)
    status = main(["study", "--horizon", "1", "--out", str(tmp_path)])
    return status, capsys.readouterr().err.strip()


def test_interrupt_message_when_the_previous_tree_is_kept(tmp_path, monkeypatch, capsys):
    tree = _previous_tree(tmp_path)
    status, err = _interrupted_study(tmp_path, monkeypatch, capsys, publish=False)
    assert status == 130
    assert (
        err
        == f"interp: interrupted; nothing of this run was written: {tree} is the previous run's, unchanged."
    )


def test_interrupt_message_when_there_is_no_tree(tmp_path, monkeypatch, capsys):
    status, err = _interrupted_study(tmp_path, monkeypatch, capsys, publish=False)
    assert status == 130
    assert err == f"interp: interrupted; nothing was written: there is no results tree in {tmp_path}."


def test_interrupt_message_when_this_runs_tree_was_published(tmp_path, monkeypatch, capsys):
    tree = _previous_tree(tmp_path)
    status, err = _interrupted_study(tmp_path, monkeypatch, capsys, publish=True)
    assert status == 130
    assert err == f"interp: interrupted; this run's results tree {tree} was written before that."
    assert (tree / "index.html").read_text() == "this run"


def _start_study(out: Path) -> subprocess.Popen:
    """``python -m interp study --horizon 1`` of the reference model into ``out``, in the background."""
    return subprocess.Popen(
        [sys.executable, "-m", "interp", "study", "--horizon", "1", "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _wait_for_staging(process: subprocess.Popen, out: Path) -> Path:
    """The run's staging folder once it exists (the study is being written)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        found = list(out.glob(f".{TREE}.partial-{process.pid}-*"))
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no staging folder appeared (exit {process.poll()}): {process.stderr.read()}")


@pytest.mark.slow
def test_sigterm_is_handled_like_ctrl_c(tmp_path):
    tree = _previous_tree(tmp_path)
    process = _start_study(tmp_path)
    _wait_for_staging(process, tmp_path)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        f"interp: terminated (SIGTERM); nothing of this run was written: {tree} is the previous run's, unchanged."
    )
    assert (tree / "index.html").read_text() == "previous"
    assert not list(tmp_path.glob(f".{TREE}.partial-*"))
    with results_lock(tmp_path, "after"):
        pass


@pytest.mark.slow
def test_a_killed_runs_staging_folder_is_removed_by_the_next_run(tmp_path):
    tree = _previous_tree(tmp_path)
    process = _start_study(tmp_path)
    staging = _wait_for_staging(process, tmp_path)
    process.kill()
    process.communicate(timeout=60)
    assert staging.is_dir()  # SIGKILL cannot be handled: the next run cleans up
    new_staging(tmp_path)
    assert not staging.exists() and (tree / "index.html").read_text() == "previous"
