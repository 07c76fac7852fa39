"""The TensorFlow-free vocabulary and vectorizer against Keras TextVectorization, and the
predict command."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import cli, spreadsheet_saved
from networks import network

from nusax_lstm.data.nusax import read_folder
from nusax_lstm.data.text import Vectorizer, adapt, read_vocabulary
from nusax_lstm.evaluation.seed_ensembles import average

keras = pytest.importorskip("keras")

TRICKY = [
    "",
    "!!! ... ,,, ???",
    "Emoji 😀 di TENGAH 🎉🎉",
    "MiXeD CaSe ÀÉÎ Ǆ İstanbul ẞ",
    "angka 123 4.5 6,7 8-9",
    "aksen naïve café résumé",
    "spasi\u00a0tak\u2003biasa e\x1cf g\x85h",
    "tab\tvt\vff\fcr\rnl\n",
    "don't stop-me now [unk] [UNK]",
    "x" * 100_000,
    " ".join(["kata"] * 150),
]


@pytest.fixture(scope="module")
def fitted(mirror):
    """A Keras TextVectorization adapted on the training texts, as the pipeline does."""
    splits, _ = read_folder(mirror / "indonesian", "ind", verify=True)
    texts = {name: [text for _, text, _ in rows] for name, rows in splits.items()}
    layer = keras.layers.TextVectorization(max_tokens=10000, output_sequence_length=100)
    layer.adapt(np.array(texts["train"], dtype=object))
    return layer, texts


@pytest.mark.parametrize("max_tokens", [10000, 300, 3])
@pytest.mark.parametrize("language", ["indonesian", "javanese", "tricky"])
def test_adapt_equals_keras(mirror, language, max_tokens):
    if language == "tricky":  # ties, case, punctuation, the reserved tokens as words
        texts = [*TRICKY, "b a c b a c [UNK] unk UNK", "Zz zz ZZ é É"]
    else:
        splits, _ = read_folder(mirror / language, language[:3], verify=False)
        texts = [text for _, text, _ in splits["train"]]
    layer = keras.layers.TextVectorization(max_tokens=max_tokens)
    layer.adapt(np.array(texts, dtype=object))
    assert adapt(texts, max_tokens) == layer.get_vocabulary()


@pytest.mark.parametrize("group", ["train", "valid", "test", "tricky"])
def test_vectorizer_equals_keras(fitted, group):
    layer, texts = fitted
    batch = TRICKY if group == "tricky" else texts[group]
    expected = np.asarray(layer(np.array(batch, dtype=object)))
    got = Vectorizer(layer.get_vocabulary(), 100)(batch)
    assert got.dtype == np.int32
    assert np.array_equal(got, expected)


def export_folder(folder, vocabulary, models: list) -> None:
    """Models of one architecture exported as the pipeline exports them: one model, or
    several as a seed ensemble (members seed0, seed1, ...)."""
    from nusax_lstm.models.export_folder import export_model
    from nusax_lstm.models.keras_model import to_engine
    from nusax_lstm.models.training_job import save_export
    from nusax_lstm.scratch.layers import architecture

    runs = {}
    for i, model in enumerate(models):
        run = {"model": folder / f"run{i}.keras", "weights": folder / f"run{i}.npz"}
        run["architecture"] = folder / f"run{i}.json"
        model.save(run["model"])
        arrays, layers = to_engine(model)
        save_export(arrays, architecture(layers, 100, "post"), run)
        runs[f"seed{i}"] = run
    names = ("keras", "weights", "architecture", "vocabulary")
    files = ("keras", "weights.npz", "architecture.json", "vocabulary.txt")
    out = {key: str(folder / name) for key, name in zip(names, files, strict=True)}
    export_model(runs, vocabulary, {"config_id": "bilstm-8-4"}, out)


@pytest.fixture(scope="module", params=[1, 2], ids=["one model", "seed ensemble"])
def exported(request, tmp_path_factory, fitted):
    """A small trained-shape model exported (or two, as an ensemble), and the Keras models."""
    from nusax_lstm.models.keras_model import build_model

    vocabulary = fitted[0].get_vocabulary()
    models = [
        build_model(
            network((8, 4), True, embedding_dim=16, dropout=0.3, learning_rate=1e-3),
            len(vocabulary),
            100,
        )
        for _ in range(request.param)
    ]
    folder = tmp_path_factory.mktemp("export")
    export_folder(folder, vocabulary, models)
    return folder, models


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory, fitted):
    """One exported model and its Keras model."""
    from nusax_lstm.models.keras_model import build_model

    vocabulary = fitted[0].get_vocabulary()
    model = build_model(
        network((8, 4), True, embedding_dim=16, dropout=0.3, learning_rate=1e-3),
        len(vocabulary),
        100,
    )
    folder = tmp_path_factory.mktemp("export")
    export_folder(folder, vocabulary, [model])
    return folder, model


def test_predict_matches_keras_on_texts(exported, fitted):
    """One model, and a seed ensemble (Keras's probabilities averaged over its members)."""
    folder, models = exported
    texts = [*fitted[1]["test"][:20], *TRICKY]
    source = folder / "texts.csv"
    rows = "".join(f'"{t.replace(chr(34), chr(34) * 2)}"\n' for t in texts)
    source.write_text("text\n" + rows, encoding="utf-8")
    result = cli("predict", folder, "--file", source, "--column", "text", "--json")
    assert result.returncode == 0, result.stderr.decode()
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["text"] for line in lines] == texts
    ids = fitted[0](np.array(texts, dtype=object))
    expected = average([model.predict(ids, verbose=0) for model in models])
    got = np.array([list(line["probabilities"].values()) for line in lines])
    assert np.abs(got - expected).max() <= 1e-5
    assert [line["label"] for line in lines] == [
        ["negative", "neutral", "positive"][i] for i in expected.argmax(axis=1)
    ]


@pytest.mark.parametrize("text", ["!!! ... ???", "x" * 100_000, "kata " * 20_000])
def test_odd_texts_get_a_prediction(model_folder, text):
    folder, _ = model_folder
    result = cli("predict", folder, "--json", text)
    assert result.returncode == 0, result.stderr.decode()
    (line,) = result.stdout.decode().splitlines()
    assert sum(json.loads(line)["probabilities"].values()) == pytest.approx(1, abs=1e-5)


def test_predict_reads_arguments_and_stdin(model_folder):
    folder, _ = model_folder
    table = cli("predict", folder, "Makanannya enak sekali", "Pelayanan buruk")
    assert table.returncode == 0, table.stderr.decode()
    assert len(table.stdout.decode().splitlines()) == 2
    piped = cli("predict", folder, stdin=b"satu\n\ndua\n")
    assert piped.returncode == 0 and len(piped.stdout.decode().splitlines()) == 2
    assert (
        cli("predict", folder, "--threads", "1", "satu").stdout
        == cli("predict", folder, "satu").stdout
    )


def test_predict_reads_a_csv_saved_by_a_spreadsheet(model_folder, tmp_path):
    """A byte-order mark, CRLF line ends and blank lines at the end: the column is found,
    the texts are the same."""
    folder, _ = model_folder
    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"text,id\nMakanannya enak,1\nPelayanan buruk,2\n")
    saved = tmp_path / "saved.csv"
    saved.write_bytes(spreadsheet_saved(plain.read_bytes()))
    results = [cli("predict", folder, "--file", f, "--column", "text") for f in (plain, saved)]
    assert [r.returncode for r in results] == [0, 0], results[1].stderr.decode()
    assert results[0].stdout == results[1].stdout and len(results[0].stdout.splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["predict", "{folder}"], b"", "no texts given"),
        (
            ["predict", "{folder}"],
            b"\xff\xfe junk \x00\x01",
            "stdin: line 1: bytes that are not UTF-8",
        ),
        (["predict", "{folder}"], b"ok\x00\x01\x02", "binary data"),
        (["predict", "/nonexistent/model"], b"", "/nonexistent/model: model folder not found"),
        (
            ["predict", "{folder}", "--file", "/nonexistent.txt"],
            b"",
            "/nonexistent.txt: cannot read",
        ),
        (
            ["predict", "{folder}", "--file", "{folder}/vocabulary.txt", "--column", "text"],
            b"",
            "no column 'text'",
        ),
        (["predict", "{folder}", "--threads", "0", "x"], b"", "expected a whole number >= 1"),
        (
            ["predict", "{folder}", "--file", "-", "--column", "text"],
            b"id,text\n1,enak\n\n2\n",
            "stdin: line 4: 1 fields, header has 2",
        ),
    ],
    ids=[
        "empty input",
        "not utf-8",
        "binary junk",
        "missing model",
        "missing file",
        "no column",
        "zero threads",
        "short csv row",
    ],
)
def test_predict_errors_are_one_clear_line(model_folder, args, stdin, message):
    folder, _ = model_folder
    result = cli(*(a.format(folder=folder) for a in args), stdin=stdin)
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert message in stderr and "Traceback" not in stderr


def test_vocabulary_round_trip(model_folder, fitted):
    folder, _ = model_folder
    assert read_vocabulary(folder / "vocabulary.txt") == fitted[0].get_vocabulary()


def edit_json(name, change):
    def edit(folder):
        content = json.loads((folder / name).read_text())
        change(content)
        (folder / name).write_text(json.dumps(content))

    return edit


def cut(name, keep):
    """Keep the first `keep` bytes of a file (a fraction where keep < 1)."""

    def edit(folder):
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: int(keep * len(data)) if keep < 1 else keep])

    return edit


def garble(name, at):
    """Overwrite 32 bytes at a fraction `at` of the file with junk."""

    def edit(folder):
        data = bytearray((folder / name).read_bytes())
        start = int(at * len(data))
        data[start : start + 32] = b"\xa7" * 32
        (folder / name).write_bytes(bytes(data))

    return edit


def remove(name):
    return lambda folder: (folder / name).unlink()


def set_layer(index, **fields):
    return edit_json("architecture.json", lambda a: a["layers"][index].update(fields))


DAMAGE = {  # what a copied, zipped, mailed or half-downloaded export folder can look like
    "no architecture": (remove("architecture.json"), "architecture.json: not found"),
    "no weights": (remove("weights.npz"), "weights.npz: not found"),
    "no vocabulary": (remove("vocabulary.txt"), "vocabulary.txt: vocabulary file not found"),
    "empty architecture": (cut("architecture.json", 0), "architecture.json: not valid JSON"),
    "cut architecture": (cut("architecture.json", 0.5), "architecture.json: not valid JSON"),
    "garbled architecture": (garble("architecture.json", 0.3), "architecture.json: "),
    "architecture a list": (
        lambda f: (f / "architecture.json").write_text("[]"),
        "architecture.json: expected a JSON object",
    ),
    "empty weights": (cut("weights.npz", 0), "weights.npz: not a weights archive"),
    "cut weights": (cut("weights.npz", 0.5), "weights.npz: not a weights archive"),
    "garbled weights header": (garble("weights.npz", 0.001), "weights.npz: not a readable"),
    "garbled weights data": (garble("weights.npz", 0.5), "weights.npz: not a readable"),
    "cut vocabulary": (cut("vocabulary.txt", 0.5), "vocabulary.txt: truncated"),
    "vocabulary not utf-8": (garble("vocabulary.txt", 0.5), "vocabulary.txt: bytes that are not"),
    "vocabulary of another model": (
        lambda f: (f / "vocabulary.txt").write_text("\n[UNK]\nkata\n"),
        "vocabulary.txt: 3 tokens, the embedding has",
    ),
    "no padding field": (
        edit_json("architecture.json", lambda a: a.pop("padding")),
        "field 'padding' missing",
    ),
    "padding unknown": (
        edit_json("architecture.json", lambda a: a.update(padding="middle")),
        "padding 'middle' is not one of",
    ),
    "units a string": (set_layer(-1, units="3"), "field 'units' is '3', expected a whole number"),
    "layers not a list": (
        edit_json("architecture.json", lambda a: a.update(layers={})),
        "field 'layers' is {}, expected a non-empty list",
    ),
    "layer not an object": (set_layer(0, type=None), "field 'type' is None"),
    "labels wrong": (
        edit_json("architecture.json", lambda a: a.update(labels=["a", "b"])),
        "labels ['a', 'b']: expected 3 names",
    ),
    "length zero": (
        edit_json("architecture.json", lambda a: a.update(sequence_length=0)),
        "field 'sequence_length' is 0",
    ),
    "vocabulary outside": (
        edit_json("architecture.json", lambda a: a.update(vocabulary="../vocabulary.txt")),
        "vocabulary file not found",
    ),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_model_folder_gets_one_line_naming_the_file(model_folder, tmp_path, damage):
    """Every file an export holds, missing, cut, garbled or inconsistent: one line that
    names the file and exit 2, before any text is read (stdin is never consumed)."""
    folder, _ = model_folder
    edit, message = DAMAGE[damage]
    broken = tmp_path / "export"
    shutil.copytree(folder, broken)
    edit(broken)
    result = cli("predict", broken, "--file", tmp_path / "no-such-texts.txt")
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr and len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith(f"nusax-lstm: error: {broken}") and message in stderr, stderr


@pytest.mark.parametrize("name", ["architecture.json", "weights.npz", "vocabulary.txt"])
def test_any_cut_of_an_export_file_is_refused_cleanly(model_folder, tmp_path, name):
    """Cut at many points, in-process: each cut refused with a UserError, never another
    exception (a half-downloaded file is whatever length the transfer stopped at)."""
    from nusax_lstm import UserError
    from nusax_lstm.scratch.loader import load_export

    folder, _ = model_folder
    broken = tmp_path / "export"
    shutil.copytree(folder, broken)
    data = (folder / name).read_bytes()
    last = len(data.rstrip(b"\n")) - 1  # a JSON file without its final newline is whole
    for keep in sorted({*range(0, 64, 7), *np.linspace(0, last, 25).astype(int)}):
        (broken / name).write_bytes(data[:keep])
        with pytest.raises(UserError, match=name):
            load_export(broken)


def test_exported_keras_weights_load_into_keras(exported):
    from nusax_lstm.models.keras_model import build_model

    folder, models = exported
    for i, model in enumerate(models):
        twin = build_model(
            network((8, 4), True, embedding_dim=16, dropout=0.3, learning_rate=1e-3),
            model.layers[0].input_dim,
            100,
        )
        twin.load_weights(folder / "keras" / f"seed{i}.weights.h5")
        ids = np.random.default_rng(0).integers(0, model.layers[0].input_dim, (5, 100))
        assert np.array_equal(twin.predict(ids, verbose=0), model.predict(ids, verbose=0))


def test_an_ensemble_export_loads_as_its_members(exported):
    from nusax_lstm.scratch.loader import load

    folder, models = exported
    loaded = load(folder)
    members = getattr(loaded, "members", [loaded])
    assert len(members) == len(models)
    assert loaded.count_params() == sum(model.count_params() for model in models)
