"""One module per identity command; handlers change state and record events, never commit."""
