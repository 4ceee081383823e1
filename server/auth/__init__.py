"""Authentication and authorisation: passwords, sessions, CSRF, rate limits, roles."""
