"""The seed notebook's sections 1-8 as a plain script: the baseline the pipeline must beat.

    python benchmarks/notebook.py DATA_DIR [EPOCHS]  # DATA_DIR: a NusaX folder with indonesian/

What the notebook does, as written (TensorFlow, TextVectorization fitted three times,
end padding to 100 without a mask, 8 trainings of 10 epochs one after another in one
process, the best chosen on test, its weights saved, the report and plots made), with
only the changes that it needs to run at all here: the data come from the local CSV
mirror instead of a hub id that does not exist (`../shared/seed/README.md`), the model
gets an `Input` so that `count_params()` works under Keras 3, seaborn's heatmap is
matplotlib's `imshow`, and figures are drawn to files instead of shown. EPOCHS (10, as
the notebook) is for a quick check that the script runs.
"""

import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.metrics import classification_report, confusion_matrix, f1_score

tf.random.set_seed(42)
np.random.seed(42)
OUT = tempfile.mkdtemp(prefix="notebook-")

# 1. Data
LABELS = {"negative": 0, "neutral": 1, "positive": 2}
folder = os.path.join(sys.argv[1], "indonesian")
EPOCHS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
train_df, val_df, test_df = (
    pd.read_csv(os.path.join(folder, f"{split}.csv")) for split in ("train", "valid", "test")
)
for df in (train_df, val_df, test_df):
    df["label"] = df["label"].map(LABELS)


# 2. Text preprocessing (fitted on every split, then the train-fitted one reused)
def preprocess_text(texts, max_features=10000, max_length=100):
    vectorizer = tf.keras.layers.TextVectorization(
        max_tokens=max_features, output_sequence_length=max_length, output_mode="int"
    )
    vectorizer.adapt(texts)
    return vectorizer, vectorizer(texts)


MAX_FEATURES, MAX_LENGTH = 10000, 100
vectorizer, train_sequences = preprocess_text(train_df["text"].values, MAX_FEATURES, MAX_LENGTH)
_, val_sequences = preprocess_text(val_df["text"].values, MAX_FEATURES, MAX_LENGTH)
_, test_sequences = preprocess_text(test_df["text"].values, MAX_FEATURES, MAX_LENGTH)
val_sequences = vectorizer(val_df["text"].values).numpy()
test_sequences = vectorizer(test_df["text"].values).numpy()
train_sequences = train_sequences.numpy()
train_labels, val_labels, test_labels = (df["label"].values for df in (train_df, val_df, test_df))
vocab_size = len(vectorizer.get_vocabulary())
num_classes = len(np.unique(train_labels))


# 3. Models
def build_lstm_model(units_per_layer, bidirectional=False, embedding_dim=128, dropout_rate=0.3):
    model = tf.keras.Sequential([tf.keras.Input(shape=(MAX_LENGTH,))])
    model.add(tf.keras.layers.Embedding(vocab_size, embedding_dim, name="embedding"))
    for i, units in enumerate(units_per_layer):
        lstm = tf.keras.layers.LSTM(
            units, return_sequences=i < len(units_per_layer) - 1, name=f"lstm_{i + 1}"
        )
        if bidirectional:
            lstm = tf.keras.layers.Bidirectional(lstm, name=f"bidirectional_{i + 1}")
        model.add(lstm)
        model.add(tf.keras.layers.Dropout(dropout_rate, name=f"dropout_{i + 1}"))
    model.add(tf.keras.layers.Dense(num_classes, activation="softmax", name="dense_output"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train_and_evaluate_model(model):
    history = model.fit(
        train_sequences,
        train_labels,
        validation_data=(val_sequences, val_labels),
        epochs=EPOCHS,
        batch_size=32,
        verbose=0,
    )
    predictions = np.argmax(model.predict(test_sequences, verbose=0), axis=1)
    return history, f1_score(test_labels, predictions, average="macro"), predictions


def plot_experiment(title, results, path):
    fig, axes = plt.subplots(2, 2, figsize=(15, 10))
    fig.suptitle(title, fontsize=16)
    for ax, key in zip(axes.flat, ("loss", "val_loss", "accuracy"), strict=False):
        for name, result in results.items():
            ax.plot(result["history"].history[key], label=name)
        ax.set_title(key)
        ax.legend()
        ax.grid(True)
    axes[1, 1].bar(list(results), [r["test_f1"] for r in results.values()])
    plt.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# 4-6. The three experiments
EXPERIMENTS = {
    "layers": [
        ("1 Layer", [64], False),
        ("2 Layers", [64, 32], False),
        ("3 Layers", [64, 32, 16], False),
    ],
    "units": [
        ("Small (32, 16)", [32, 16], False),
        ("Medium (64, 32)", [64, 32], False),
        ("Large (128, 64)", [128, 64], False),
    ],
    "direction": [("Unidirectional", [64, 32], False), ("Bidirectional", [64, 32], True)],
}
all_results = {}
for experiment, configs in EXPERIMENTS.items():
    results = {}
    for name, units, bidirectional in configs:
        model = build_lstm_model(units, bidirectional)
        print(f"{experiment}: {name}, {model.count_params():,} parameters", flush=True)
        history, test_f1, predictions = train_and_evaluate_model(model)
        results[name] = {"history": history, "test_f1": test_f1, "predictions": predictions}
        results[name]["model"] = model
        print(f"  test macro F1 {test_f1:.4f}", flush=True)
    plot_experiment(experiment, results, os.path.join(OUT, f"{experiment}.png"))
    all_results.update(results)

# 7. Best model (chosen on test, as the notebook does) and its weights
best_name = max(all_results, key=lambda name: all_results[name]["test_f1"])
best = all_results[best_name]
best["model"].save_weights(os.path.join(OUT, "lstm_keras_best.weights.h5"))
print(f"best: {best_name} ({best['test_f1']:.4f})")

# 8. Analysis of the best model
best["model"].summary()
print(classification_report(test_labels, best["predictions"]))
fig, ax = plt.subplots(figsize=(8, 6))
ax.imshow(confusion_matrix(test_labels, best["predictions"]), cmap="Blues")
fig.savefig(os.path.join(OUT, "confusion.png"))
plt.close(fig)
