"""The catalog search port, its documents, and its Postgres and Meilisearch adapters."""
