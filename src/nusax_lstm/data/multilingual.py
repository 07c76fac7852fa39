"""Ids across languages. NusaX is parallel: a sentence keeps its id and its label in
every language's splits, so the multilingual data prefixes each id with its language."""


def multilingual_id(language: str, row_id: str) -> str:
    """A row's id among all languages' rows: `ind-17`."""
    return f"{language}-{row_id}"


def sentence_id(row_id: str) -> str:
    """The sentence a row translates: its id without a multilingual id's language."""
    return row_id.split("-", 1)[-1]
