"""The data options of ``python -m interp train``/``study`` (issue "Robust to what users feed it"): bad data are
refused in one line naming the file, the problem and an option that exists; the option then works."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interp.cli import _parser, main
from interp.data.csv import write_csv
from interp.data.synthetic import indoor_co2

ROOT = Path(__file__).resolve().parents[1]
MESSAGE_MODULES = [*sorted((ROOT / "interp" / "data").glob("*.py")), ROOT / "interp" / "suite.py"]


def train(tmp_path: Path, data: Path, *options: str) -> tuple[int, Path]:
    out = tmp_path / "m.pt"
    args = ["train", "--horizon", "1", "--data", str(data), "--epochs", "1", "--quiet", "--out", str(out)]
    return main([*args, *options]), out


def refused(status: int, out: Path, capsys) -> str:
    """The one error line of a refused run that wrote nothing."""
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1 and err.startswith("interp: error: "), err
    assert "Traceback" not in err and not out.exists()
    return err


def test_gaps_that_cost_most_windows_are_refused_then_allowed(tmp_path, capsys):
    """5 % of 60 days of hourly rows missing at random: about 72 % of the windows lost."""
    room = indoor_co2(days=60)
    data = write_csv(room[np.random.default_rng(0).random(len(room)) > 0.05], tmp_path / "gappy.csv")
    err = refused(*train(tmp_path, data), capsys)
    assert str(data) in err and re.search(r"Found 7\d% lost", err) and "--allow-gaps" in err
    status, out = train(tmp_path, data, "--allow-gaps")
    stdout = capsys.readouterr().out
    assert status == 0 and out.is_file()
    assert re.search(rf"data: {re.escape(str(data))}: \d+ rows read, .* \(7\d\.\d%\) lost to gaps", stdout)


def test_a_step_that_changes_part_way_is_refused_then_averaged(tmp_path, capsys):
    fine = indoor_co2(days=30, seed=1, resolution="30min")
    fine.index = fine.index + pd.Timedelta(days=30)
    data = write_csv(pd.concat([indoor_co2(days=30), fine]), tmp_path / "mixed.csv")
    err = refused(*train(tmp_path, data), capsys)
    assert "mixed.csv" in err and "from line 2 to line 722" in err and "--resolution 1h" in err
    status, out = train(tmp_path, data, "--resolution", "1h")
    assert status == 0 and out.is_file()
    assert "2160 rows read, 1440 kept at 1h" in capsys.readouterr().out


def test_day_first_dates_are_refused_then_read_with_their_format(tmp_path, capsys):
    room = indoor_co2(days=60)
    data = tmp_path / "dates.csv"
    room.set_axis(room.index.strftime("%d/%m/%Y %H:%M"), axis=0).rename_axis("timestamp").to_csv(data)
    err = refused(*train(tmp_path, data), capsys)
    assert "'timestamp'" in err and "'06/01/2025 00:00'" in err and "--timestamp-format" in err
    status, out = train(tmp_path, data, "--timestamp-format", "%d/%m/%Y %H:%M")
    assert status == 0 and out.is_file()


def test_an_implausible_value_is_one_warning_line_and_training_goes_on(tmp_path, capsys):
    room = indoor_co2(days=60)
    room.iloc[100, room.columns.get_loc("co2")] = 1e9
    status, out = train(tmp_path, write_csv(room, tmp_path / "spike.csv"))
    err = capsys.readouterr().err.strip()
    assert status == 0 and out.is_file()
    assert len(err.splitlines()) == 1 and err.startswith("interp: warning: ")
    assert "'co2' holds 1e+09 on line 102" in err


def test_a_study_of_data_without_the_target_names_an_option_that_exists(tmp_path, capsys, quick_checkpoint):
    room = indoor_co2(days=40).rename(columns={"co2": "CO2ppm"})
    data = write_csv(room, tmp_path / "renamed.csv")
    results = tmp_path / "results"
    args = ["study", "--horizon", "1", "--checkpoint", str(quick_checkpoint), "--data", str(data)]
    err = refused(main([*args, "--out", str(results)]), tmp_path / "none.pt", capsys)
    assert "Rename the CO2 column to 'co2'" in err and "--target NAME" in err
    assert not (results / "cnn_lstm_interpretability").exists()  # no results (only the released lock file)


def message_texts(path: Path) -> list[str]:
    """The literal text of every DataError/ConfigError raised in a module (f-string pieces joined)."""
    texts = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("DataError", "ConfigError"):
            parts = [
                n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            texts.append("".join(parts))
    return texts


def cli_options() -> set[str]:
    subparsers = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {option for sub in subparsers.choices.values() for option in sub._option_string_actions}


def test_every_data_message_names_options_as_the_cli_spells_them():
    options = cli_options()
    texts = [text for path in MESSAGE_MODULES for text in message_texts(path)]
    assert len(texts) > 30
    named = {option for text in texts for option in re.findall(r"--[a-z][a-z-]*", text)}
    assert {"--resolution", "--timestamp-format", "--allow-gaps", "--target", "--features"} <= named
    assert named <= options, f"options named in messages but missing from the CLI: {named - options}"
    python_spelling = [text for text in texts if re.search(r"\b[a-z_]+=(<|'<|\.\.\.)", text)]
    assert not python_spelling, python_spelling


@pytest.mark.parametrize("command", ["train", "study"])
def test_train_and_study_offer_the_data_options(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # as one line, whatever the terminal's width
    assert exited.value.code == 0
    for option in ("--resolution", "--timestamp-format", "--allow-gaps", "--timestamp", "--features"):
        assert option in shown
    assert "more than 25 % of the windows" in shown and "'%d/%m/%Y %H:%M'" in shown
