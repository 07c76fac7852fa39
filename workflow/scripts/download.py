"""Fetch the NusaX-Senti splits (mirror first) as canonical CSVs plus provenance.json."""

import logging

from nusax_lstm import SPLITS
from nusax_lstm.data.nusax import fetch, write_split
from nusax_lstm.fileio import write_json
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    p = snakemake.params
    splits, provenance = fetch(snakemake.wildcards.lang, p.source, p.local_dir, p.mirrors)
    logging.info("source %s: %s", provenance["source"], provenance["location"])
    for split, path in zip(SPLITS, snakemake.output.splits, strict=True):
        provenance["files"][split] |= write_split(path, splits[split])
        logging.info("%s: %s", split, provenance["files"][split])
    write_json(snakemake.output.provenance, provenance)
