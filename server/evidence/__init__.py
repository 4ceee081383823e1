"""Evidence for the police: a self-contained zip and its offline verification."""
