"""The billing context: payments through a provider port, idempotency keys, refunds (schema `billing`)."""
