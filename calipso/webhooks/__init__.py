"""Webhooks: subscriptions notified of each recorded change, signed, retried (README.md)."""
