"""Listing search: documents built from marketplace's listing snapshots, kept in sync through the
outbox (`indexing`), stored in one of two engines (`engines`: PostgreSQL full text, the default,
or Meilisearch), and queried through `GET /api/v1/search/listings` (`query`)."""
