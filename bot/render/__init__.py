"""Rendering an excerpt into the exact text a platform receives."""
