"""Offline Bot API transport and the console runner built on it."""
