"""The platform's multilingual vocabulary of goods and services.

Concepts (honey, rye bread, catering ...) each with terms in many languages — the preferred one
first, then synonyms, regional words (`Topfen` for `Quark`) and the inflected forms a stemmer does
not reach (`miodu`, `mett`) — and the classification codes (HS headings, CPV) they belong to. The
starter vocabulary (`starter.jsonl`) is written by the project for the goods and services typical
of border-hub trade, one concept per line, so a correction is a one-line change in review.
"""
