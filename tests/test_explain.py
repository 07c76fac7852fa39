"""`nusax-lstm explain`: the terminal table, JSON lines and the figure, on an export folder
laid out as the pipeline lays it out (one model, or a seed ensemble); bad input gets the
predict treatment: one line naming what is wrong, exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import cli
from networks import network

from nusax_lstm.data.text import write_vocabulary
from nusax_lstm.fileio import write_json
from nusax_lstm.scratch.init import classifier, initial_weights

VOCABULARY = ["", "[UNK]", "tidak", "buruk", "enak", "makanannya", "bagus", "sekali"]
TEXT = "Makanannya tidak enak, xyzzy!"


@pytest.fixture(scope="module", params=[1, 2], ids=["one model", "seed ensemble"])
def export(request, tmp_path_factory):
    """A BiLSTM [6, 4] export with random weights: one model, or two as a seed ensemble."""
    folder = tmp_path_factory.mktemp("export")
    architecture = classifier(
        network([6, 4], True, embedding_dim=5, dropout=0.3), len(VOCABULARY), 12
    )
    members = [initial_weights(architecture, seed) for seed in range(request.param)]
    if request.param == 1:
        arrays = members[0]
    else:
        names = [f"seed{k}" for k in range(request.param)]
        arrays = {
            f"{n}/{key}": v for n, m in zip(names, members, strict=True) for key, v in m.items()
        }
        architecture["members"] = names
    for key, value in list(arrays.items()):  # a trained model's scale, not init's zeros
        arrays[key] = value + np.random.default_rng(len(key)).normal(0, 0.3, value.shape)
    np.savez(folder / "weights.npz", **arrays)
    write_json(folder / "architecture.json", architecture | {"vocabulary": "vocabulary.txt"})
    write_vocabulary(folder / "vocabulary.txt", VOCABULARY)
    return folder, request.param


def explain(*args, stdin=b""):
    result = cli("explain", *args, stdin=stdin)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def test_the_table_and_json_say_the_same(export):
    folder, members = export
    row = json.loads(explain(folder, TEXT, "--json"))
    assert [t["token"] for t in row["tokens"]] == ["makanannya", "tidak", "enak", "xyzzy"]
    assert [t["unknown"] for t in row["tokens"]] == [False, False, False, True]
    assert (
        row["label"] == row["explained"] == max(row["probabilities"], key=row["probabilities"].get)
    )
    assert row["members"] == members and row["method"] == "integrated-gradients"
    total = sum(t["attribution"] for t in row["tokens"])
    assert total == pytest.approx(row["score"] - row["baseline_score"], rel=0.01)
    table = explain(folder, TEXT).splitlines()
    assert table[1].startswith(f"label: {row['label']}")
    assert ("seed ensemble members" in table[2]) == (members > 1)
    rows = [line.split() for line in table[3:]]
    assert [r[0] for r in rows] == ["makanannya", "tidak", "enak", "xyzzy"]
    assert rows[3][1] == "(unknown)"
    values = [float(r[2] if r[0] == "xyzzy" else r[1]) for r in rows]
    assert values == pytest.approx([t["attribution"] for t in row["tokens"]], abs=1e-4)


def test_threads_cap_the_work_and_change_no_number(export):
    folder, _ = export
    assert explain(folder, TEXT, "--json", "--threads", "1") == explain(folder, TEXT, "--json")


def test_a_chosen_class_and_the_gradient_method(export):
    folder, _ = export
    rows = [
        json.loads(line)
        for line in explain(
            folder, TEXT, "bagus", "--json", "--class", "positive", "--method", "gradient-x-input"
        ).splitlines()
    ]
    assert [r["explained"] for r in rows] == ["positive", "positive"]
    assert all(r["baseline_score"] is None and r["steps"] is None for r in rows)


def test_texts_from_a_file_and_stdin_and_an_empty_one(export, tmp_path):
    folder, _ = export
    (tmp_path / "texts.txt").write_text(f"{TEXT}\n!!!\n")
    from_file = explain(folder, "--file", tmp_path / "texts.txt", "--json").splitlines()
    from_stdin = explain(folder, "--json", stdin=f"{TEXT}\n!!!\n".encode()).splitlines()
    assert from_file == from_stdin and len(from_file) == 2
    assert json.loads(from_file[1])["tokens"] == []
    assert "no tokens" in explain(folder, "!!!")


@pytest.mark.parametrize("layer", [1, 2])
def test_the_figure_is_a_png(export, tmp_path, layer):
    folder, _ = export
    figure = tmp_path / "why.png"
    explain(folder, TEXT, "--figure", figure, "--layer", str(layer))
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing-folder", "a"], "missing-folder: model folder not found"),
        (["{folder}", "a", "--class", "happy"], "--class 'happy': not one of the model's classes"),
        (["{folder}", "a", "b", "--figure", "{tmp}/x.png"], "--figure draws one text, got 2"),
        (["{folder}", "a", "--figure", "{tmp}/no/x.png"], "folder {tmp}/no not found"),
        (["{folder}", "a", "--figure", "{tmp}/x.png", "--layer", "3"], "recurrent layers 1 to 2"),
        (["{folder}", "--file", "{tmp}/none.txt"], "none.txt: cannot read"),
    ],
)
def test_bad_input_gets_one_line(export, tmp_path, args, message):
    folder, _ = export
    result = cli("explain", *(a.format(folder=folder, tmp=tmp_path) for a in args))
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nusax-lstm: error: "), lines
    assert message.format(tmp=tmp_path) in lines[0]
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("flag", [["--class", "positive"], ["--figure", "x.png"], ["--steps", "9"]])
def test_predict_refuses_what_only_explain_takes(export, flag):
    folder, _ = export
    result = cli("predict", folder, "a", *flag)
    assert result.returncode == 2
    assert f"{flag[0]} goes with explain, not predict" in result.stderr.decode()


def test_a_layer_without_a_figure_is_refused(export):
    folder, _ = export
    result = cli("explain", folder, "a", "--layer", "2")
    assert result.returncode == 2
    assert "--layer goes with --figure" in result.stderr.decode()
