# NusaX-Senti LSTM study: download -> vectorize -> train -> evaluate -> select
# -> export -> from-scratch inference -> comparison -> summary.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


# A training's gpu=1 counts against the local cap (common.smk: the local GPU count) on one
# machine only; on a cluster each job asks Slurm for its own GPU and nothing serialises.
resource_scopes:
    gpu="local",


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
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
