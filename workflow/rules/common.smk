import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SRC = Path(workflow.basedir) / "src"
# The Snakefile imports the package from the source tree; scripts find it through the
# link workflow/scripts/nusax_lstm (Snakemake puts the script's folder on sys.path),
# so they run the same code in any environment, conda ones included.
sys.path.insert(0, str(SRC))

from nusax_lstm import UserError
from nusax_lstm.configs import expand as expand_experiments

validate(config, schema="../schemas/config.schema.yaml")

try:
    EXPERIMENTS = expand_experiments(config["experiments"])
except UserError as err:
    raise WorkflowError(f"config: {err}") from None

# config id -> display names (aliases) and the config itself
CONFIG_NAMES = {}
CONFIGS = {}
for named in EXPERIMENTS.values():
    for name, model_config in named.items():
        CONFIG_NAMES.setdefault(model_config.id, []).append(name)
        CONFIGS[model_config.id] = model_config

LANG = config["data"]["language"]
SEEDS = config["train"]["seeds"]


wildcard_constraints:
    lang="[a-z]{3}",
    config_id="[a-z0-9-]+",
    seed=r"\d+",


def package(*modules):
    """The package's source files that a rule's script runs: edits to them rerun the rule."""
    return [
        str(SRC / "nusax_lstm" / m)
        for m in ("__init__.py", "fileio.py", "jobs.py", *modules)
    ]


def run_dir(config_id="{config_id}", seed="{seed}"):
    return f"results/{{lang}}/models/{config_id}/seed{seed}"


def all_runs(suffix):
    """One path per (config, seed) of a language, for the given run file."""
    return [
        f"{run_dir(config_id, seed)}/{suffix}"
        for config_id in CONFIGS
        for seed in SEEDS
    ]
