"""Reaching people who have no email: what the desk would have mailed them becomes a task for
a staff member (call them with a script in their language, or print a letter)."""
