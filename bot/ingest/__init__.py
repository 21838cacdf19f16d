"""Turning article sources into `Article`s."""
