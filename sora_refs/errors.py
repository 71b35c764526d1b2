"""Errors sora-refs raises, and the exit code each one maps to.

The hierarchy is small on purpose; the CLI catches the base class once and
turns it into a one-paragraph message::

    SoraRefsError                 exit 1 unless a subclass says otherwise
    ├── ManifestError             exit 2: refs.yaml is unreadable or invalid
    ├── UsageError                exit 2: an option or argument makes no sense
    ├── DestinationBusyError      exit 3: another run holds the destination
    └── FetchError                one URL or one reference could not be fetched
        ├── BlockedError          the server answered a page, not a PDF
        └── VerificationError     the file is not a PDF, or not this paper
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in sora-refs, reported in one line


class SoraRefsError(Exception):
    """Base of every error sora-refs reports to a person."""

    exit_code = EXIT_FAILED


class Problem:
    """One thing wrong with a manifest, located for a person to fix."""

    __slots__ = ("line", "message", "path")

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message

    def __repr__(self) -> str:
        return f"Problem({self.path!r}, {self.line!r}, {self.message!r})"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ManifestError(SoraRefsError):
    """The manifest cannot be read or does not follow the schema."""

    exit_code = EXIT_USAGE

    def __init__(self, problems: list[Problem]) -> None:
        # In file order, so a person can fix them top to bottom.
        self.problems = sorted(problems, key=lambda p: p.line or 0)
        head = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the manifest"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class UsageError(SoraRefsError):
    """An option or argument the user gave cannot be honoured."""

    exit_code = EXIT_USAGE


class DestinationBusyError(SoraRefsError):
    """Another sora-refs process is writing to the same destination."""

    exit_code = EXIT_BUSY

    def __init__(self, dest: str, holder: str) -> None:
        self.dest = dest
        self.holder = holder
        super().__init__(
            f"{dest} is in use by another sora-refs run ({holder}). Wait for it to finish, "
            "or choose another --dest."
        )


class FetchError(SoraRefsError):
    """One URL, or one whole reference, could not be fetched.

    ``retry`` is true when the failure was transient (the URL may work later in
    another run); false when the URL failed for good (404, not a PDF, wrong paper).
    """

    def __init__(self, message: str, url: str | None = None, status: int | None = None,
                 retry: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        self.status = status
        self.retry = retry

    def __str__(self) -> str:
        return self.message


class BlockedError(FetchError):
    """The server answered 200 with something that is not a PDF (a block page)."""


class VerificationError(FetchError):
    """The file is not a valid PDF, or not the paper that was asked for.

    ``kind`` is the library status it amounts to: "not-a-pdf", "unreadable" or
    "wrong-paper".
    """

    def __init__(self, message: str, url: str | None = None, kind: str = "wrong-paper") -> None:
        super().__init__(message, url=url)
        self.kind = kind
