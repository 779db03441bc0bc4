"""The workspace: where coordinators and the central team run their day."""
