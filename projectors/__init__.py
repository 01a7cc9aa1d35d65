"""Event → read-model updates and rebuilds: small idempotent functions."""
