"""Who the user is, for the services that ask: an e-mail address for Crossref's polite
pool and for Unpaywall (which answers no one without one).

From the environment (``SORA_REFS_EMAIL``), else the config file
(``SORA_REFS_CONFIG``, else ``$XDG_CONFIG_HOME/sora-refs/config.yaml``, i.e.
``~/.config/sora-refs/config.yaml``; ``%APPDATA%\\sora-refs\\config.yaml`` on Windows),
a YAML mapping such as ``email: you@example.org``.

An identity is optional: without one, Crossref is asked in its public pool and
Unpaywall is not asked, and the report says so. A config file that cannot be read is
a note, never a failure. An identity is never printed, never written into a manifest,
a report or a cache name (:class:`~sora_refs.bibliography.resolvers.asking.Asker`
names hosts, not URLs).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

EMAIL_ENV = "SORA_REFS_EMAIL"
CONFIG_ENV = "SORA_REFS_CONFIG"
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_MAX_CONFIG = 64 << 10


@dataclass
class Identities:
    email: str = ""
    notes: list[str] = field(default_factory=list)  # what could not be used, and why

    def __repr__(self) -> str:  # never shown, even in a traceback's locals
        return f"Identities(email={'set' if self.email else 'unset'})"


def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    else:
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sora-refs" / "config.yaml"


def load() -> Identities:
    """The user's identities; what is missing or malformed is left out, with a note."""
    out = Identities()
    settings = _config(out.notes)
    email = os.environ.get(EMAIL_ENV, "").strip()
    where = EMAIL_ENV
    if not email and isinstance(settings.get("email"), str):
        email, where = settings["email"].strip(), f"'email' in {config_path()}"
    if email and not _EMAIL.match(email):
        out.notes.append(f"{where} does not look like an e-mail address; it is not used "
                         "(Crossref is asked in its public pool, Unpaywall not at all)")
        email = ""
    out.email = email
    return out


def _config(notes: list[str]) -> dict[str, object]:
    path = config_path()
    try:
        with path.open("rb") as f:
            raw = f.read(_MAX_CONFIG + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        notes.append(f"{path} could not be read ({exc.strerror or exc}); it is not used")
        return {}
    import yaml

    try:
        if len(raw) > _MAX_CONFIG:
            raise ValueError("it is larger than 64 KB")
        data = yaml.safe_load(raw.decode("utf-8"))
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        notes.append(f"{path} is not a YAML mapping sora-refs can read ({first}); "
                     "it is not used")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        notes.append(f"{path} is not a YAML mapping (like 'email: you@example.org'); "
                     "it is not used")
        return {}
    return data
