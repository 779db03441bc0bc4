"""What the desk knows about a person: taking it with you (export) and erasing it (erasure)."""
