"""Where articles come from and how they enter the library: files in posts_dir and given
to `add` (`library`, cut in worker processes by `cutting` for a big batch), web pages
(`pages`, over the bounded fetcher `fetch`), and RSS/Atom feeds (`feeds`). Each reads its
articles (`bot.ingest`), cuts them for the channels' rooms (`bot.excerpt` through
`bot.render.channel`) and stores them with their posts queued (`bot.store`)."""
