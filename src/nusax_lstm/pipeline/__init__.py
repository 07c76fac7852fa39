"""The Snakemake side: the study's config, its validation and memo, each rule's import
closure, scheduling and job logs."""
