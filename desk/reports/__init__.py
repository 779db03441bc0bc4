"""Reports for the central team: how many requests, from where, about what, and how fast."""
