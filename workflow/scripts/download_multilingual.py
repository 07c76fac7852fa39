"""The splits of all the study's languages together, as the language "mul" (ISO 639's code
for several languages): language by language in the study's order, each id prefixed with
its language (`ind-17`), as NusaX's ids repeat across languages."""

from nusax_lstm import SPLITS
from nusax_lstm.data.multilingual import multilingual_id
from nusax_lstm.data.nusax import parse_csv, write_split
from nusax_lstm.fileio import read_json, write_json
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    languages = snakemake.params.languages
    provenance = {"language": "mul", "source": "multilingual", "location": "results/"}
    provenance |= {"languages": languages, "files": {}}
    for split, path in zip(SPLITS, snakemake.output.splits, strict=True):
        rows = [
            (multilingual_id(lang, row_id), text, label)
            for lang, source in zip(languages, snakemake.input[split], strict=True)
            for row_id, text, label in parse_csv(open(source, "rb").read(), source)
        ]
        provenance["files"][split] = write_split(path, rows)
        print(split, provenance["files"][split])
    provenance["sources"] = {
        lang: read_json(source)["source"]
        for lang, source in zip(languages, snakemake.input.provenance, strict=True)
    }
    write_json(snakemake.output.provenance, provenance)
