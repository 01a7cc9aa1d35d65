"""Identity context: users, sessions (refresh-token families), email and reset tokens."""
