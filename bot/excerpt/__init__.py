"""Cutting an article into short, self-contained excerpts."""

from bot.excerpt.shorten import ELLIPSIS, shorten_to_fit

__all__ = ["ELLIPSIS", "shorten_to_fit"]
