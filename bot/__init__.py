"""excerpt-bot: cuts articles into short excerpts and posts them to social channels."""

__version__ = "0.1.0"
