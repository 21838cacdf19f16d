"""Channels: one small interface, one module per platform."""

from bot.channels.base import Channel, Delivery, OutgoingPost

__all__ = ["Channel", "Delivery", "OutgoingPost"]
