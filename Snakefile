# NusaX-Senti LSTM study: download -> vectorize -> train -> evaluate -> select
# -> export -> from-scratch inference -> comparison -> summary (README.md).
import json
import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version

min_version("9.17")  # callable priorities


configfile: "config.yaml"


# One import route: the package of this checkout, first on the path of the Snakefile and
# of every job (PYTHONPATH comes before site-packages, so no installed copy, editable or
# not, shadows it; jobs inherit it locally, in conda environments and under Slurm).
SRC = Path(workflow.basedir) / "src"
sys.path.insert(0, str(SRC))
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        [str(SRC), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    )
)

from nusax_lstm import UserError
from nusax_lstm.pipeline.configs import check_study, expand as expand_experiments
from nusax_lstm.pipeline.memo import Memo, digest
from nusax_lstm.pipeline.scheduling import gpu_cap
from nusax_lstm.pipeline.studyfile import study_config, validated
from nusax_lstm.tuning.space import check_searches

# What each start derives from files (the valid config, each rule's package closure),
# kept between starts under a digest of those files' bytes (nusax_lstm.pipeline.memo).
MEMO = Memo(".snakemake/nusax_lstm-memo.json")

# A study file given with --configfile (it says study:) replaces config.yaml whole; keys
# go in the schema's order, so params compare by values only (nusax_lstm.pipeline.studyfile).
SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
try:
    study = study_config(
        workflow.overwrite_configfiles, workflow.config_settings.config
    )
except UserError as err:
    raise WorkflowError(f"config: {err}") from None
if study is not None:
    config = study
    if workflow.is_main_process:
        print(
            f"config: the study file {config['study']!r} replaces config.yaml",
            file=sys.stderr,
        )
config_key = digest("config", json.dumps(config, default=repr), SCHEMA.read_bytes())
try:
    config = MEMO.get(config_key, lambda: validated(config, SCHEMA))
    check_study(config)
    check_searches(config["tune"], config["data"]["languages"])
    EXPERIMENTS = expand_experiments(config["experiments"], config["train"])
except UserError as err:
    raise WorkflowError(f"config: {err}") from None

# Trainings ask for gpu=1: locally at most one runs per GPU (scheduling.gpu_cap). Jobs
# re-parse this file without the user's --resources: only the main process decides.
if workflow.is_main_process and (cap := gpu_cap(workflow.resource_settings.resources)):
    workflow.global_resources["gpu"] = cap


# The cap counts on one machine only; on a cluster each job asks Slurm for its own GPU.
resource_scopes:
    gpu="local",


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/select.smk"
include: "workflow/rules/statistics.smk"
include: "workflow/rules/scratch.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/report.smk"


# A stage's rules exist in the studies that run it: each rule costs every start time
# (benchmarks/README.md, no-op reruns), and another study's files are not this one's.
if CV_FOLDS:

    include: "workflow/rules/crossval.smk"


if TABLE:

    include: "workflow/rules/nusax.smk"


if TUNE_SEARCHES:

    include: "workflow/rules/tune.smk"


if workflow.is_main_process:
    MEMO.save()


rule all:
    default_target: True
    input:
        get_final_output(),
