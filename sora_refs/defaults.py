"""Every tunable default in one place, each with the reason it has its value."""

from __future__ import annotations

from sora_refs import __version__

# arXiv asks automated clients for one connection at a time and a pause between
# requests (its API terms: "no more than one request every three seconds"); a
# client that ignores this gets its address blocked, which hurts users behind
# shared university gateways most.
ARXIV_HOSTS = ("arxiv.org", "export.arxiv.org")
ARXIV_CONNECTIONS = 1
ARXIV_DELAY = 3.0

# Venue hosts (PMLR, NeurIPS, CVF, ECVA, OpenReview, OpenAI's CDN) serve static
# files from CDNs; a few parallel connections each is ordinary browser behaviour.
VENUE_CONNECTIONS = 4
VENUE_DELAY = 0.0
# The ACL Anthology, JMLR and IJCAI are each one society's server, not a CDN; the
# scholarly-access notes of 2026 ask 1-2 connections of static academic hosts.
SMALL_SITE_HOSTS = ("aclanthology.org", "jmlr.org", "ijcai.org")
SMALL_SITE_CONNECTIONS = 2

# The arXiv API's terms: no more than one request every three seconds. The arxiv
# package enforces the delay; its retries cover the API's occasional 503s.
ARXIV_API_DELAY = 3.0
ARXIV_API_RETRIES = 3

# Downloads in flight in total. More than the number of distinct hosts buys
# nothing once per-host limits apply; 6 covers arXiv plus the five venue hosts.
JOBS = 6

# Seconds without a byte before a download is declared stalled; generous because
# users on slow links see long pauses that are not failures.
READ_TIMEOUT = 30.0
CONNECT_TIMEOUT = 15.0

# Transient failures (connection errors, timeouts, 429, 5xx, bodies cut short)
# are retried this many times per URL, with exponential backoff and jitter.
ATTEMPTS = 4
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
# A server's Retry-After is honoured in place up to RETRY_AFTER_SHORT seconds;
# a longer one sends the reference to its next URL at once, and the URL is
# tried again after the wait only if no other URL worked, up to RETRY_AFTER_CAP
# (a run that sits silent for minutes looks hung; re-running later is better).
RETRY_AFTER_SHORT = 10.0
RETRY_AFTER_CAP = 120.0
# After this many URLs on one host have failed for good with transient errors,
# the host is given up on for the rest of the run...
HOST_FAILURES = 3
# ... or after this many failed attempts in a row on one host, whichever comes
# first. Retries of many URLs interleave, so without it an unreachable arXiv (one
# connection, 3 s apart) took six minutes of attempts to be given up on; a host
# that merely drops a third of its requests fails 8 in a row once in 15,000 runs.
HOST_STREAK = 8

# When a host has a free connection and nothing queued for it, the largest
# download in flight there hands the end of what it has left to that connection
# (a Range request), so the last big paper does not crawl over one connection
# while the others idle. The helper takes a little less than half, so that both
# finish together after its request's round trip; only when that saves at least
# a round trip at the download's own rate (so fast links split less) and is at
# least this big; never on arXiv, whose one connection is never free.
SPLIT_MIN_BYTES = 256 << 10

# A body must keep arriving at this rate, measured over windows of twice the
# read timeout: a server that trickles a byte every few seconds never trips the
# read timeout and would otherwise hold a run for hours. 1 kB/s is far below
# any real link (a 56k modem does 7 kB/s). What arrived is kept for a resume.
MIN_RATE = 1024
# ... and one attempt at one file may take at most this long, whatever its pace.
DOWNLOAD_DEADLINE = 2 * 3600.0

# API calls (arXiv's metadata): seconds without a byte, the whole call's
# deadline, and the most an answer may be once decompressed (2,000 entries of
# arXiv's Atom are about 8 MB; a gzip bomb is gigabytes).
API_TIMEOUT = 30.0
API_DEADLINE = 120.0
API_MAX_BYTES = 32 << 20

# No paper is a gigabyte; a server that sends more is broken or hostile.
MAX_BYTES = 1 << 30
MAX_REDIRECTS = 5
# How long a second run waits for the destination before giving up.
LOCK_WAIT = 5.0

USER_AGENT = (
    f"sora-refs/{__version__} (+https://github.com/sora-refs/sora-refs; "
    "downloads the papers of one reading list, politely)"
)
# A manifest is read whole before parsing; the 32-reference list is 30 kB and 10,000
# references about 5 MB, so anything past this is not a reading list (/dev/zero, a
# sparse or runaway file) and is refused before it costs gigabytes of memory.
MANIFEST_MAX_BYTES = 64 << 20

MANIFEST_ENV = "SORA_REFS_MANIFEST"
DEST_ENV = "SORA_REFS_DEST"
MIRRORS_ENV = "SORA_REFS_MIRRORS"
DEBUG_ENV = "SORA_REFS_DEBUG"  # set: internal errors print their traceback
DEFAULT_DEST = "papers"
