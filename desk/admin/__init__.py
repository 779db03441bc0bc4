"""The central team's admin pages: partners, staff accounts, theme labels."""
