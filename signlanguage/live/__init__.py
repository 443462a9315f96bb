"""The live half of signlanguage: a session once it is open.

The session page and its websocket (chat, read marks, video signalling), the chat writer, closing
a session, transcripts, feedback, the operator's console and canned phrases. It builds on the
booking half (a live session is a booked or queued session that opened); the booking half never
imports this package (an import contract in pyproject.toml)."""
