"""Notices to a user about their account (today: the low-quota warning), sent in the background
by e-mail, webhook, Bark or Gotify as the user chose in their settings (docs/accounts.md)."""
