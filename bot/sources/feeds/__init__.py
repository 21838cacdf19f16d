"""Feeds: RSS and Atom sources whose new entries become articles, excerpted and queued.

    parse        pure: feed bytes -> FeedDocument (entries newest first, with identities)
    poll         a `[[sources]]` feed polled once: conditional GET, parse, recognise
                 entries (GUID, link, content hash), ingest the new and the edited, record
                 what was seen, back off after failures
    jobs         the daemon's side: each poll in a thread of its own, progress lines

A feed's first poll queues only its newest `first_sync` entries; the older ones are only
recorded as seen (`backlog = "skip"`) or stored and put in the channels' evergreen
recycling pool (`backlog = "evergreen"`), from which they go out one per slot when a
channel's queue is empty, never as a burst.
"""
