"""Read-model stores: documents in Redis (and, later, the search index)."""
