"""One module per group of catalog commands; handlers change state and record events, never commit."""
