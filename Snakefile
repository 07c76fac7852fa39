# NusaX-Senti LSTM study: download -> vectorize -> train -> evaluate -> select
# -> export -> from-scratch inference -> comparison -> summary (README.md).
import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

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
from nusax_lstm.configs import check_study, expand as expand_experiments
from nusax_lstm.scheduling import gpu_cap

validate(config, schema="workflow/schemas/config.schema.yaml")
try:
    check_study(config)
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
include: "workflow/rules/crossval.smk"
include: "workflow/rules/select.smk"
include: "workflow/rules/statistics.smk"
include: "workflow/rules/scratch.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/nusax.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
