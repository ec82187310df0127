"""Search's public facade: what the application (`borderhub`: its composition and the index
commands of its CLI) may use besides `register()`."""

from __future__ import annotations

from search.engines import build_engine
from search.engines.base import SearchEngine
from search.indexing.maintenance import Drift, all_listing_ids, check, load_starter_vocabulary, reindex

__all__ = ["Drift", "SearchEngine", "all_listing_ids", "build_engine", "check", "load_starter_vocabulary", "reindex"]
