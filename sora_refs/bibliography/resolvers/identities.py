"""Who the user is, for the services that ask: an e-mail address for Crossref's polite
pool and for Unpaywall (which answers no one without one), a Semantic Scholar API key
(its title match, asked only with one: without, it answers 429 within a few requests),
an OpenAlex API key (its DOI records are free without one too, within a small daily
budget).

From the environment (``SORA_REFS_EMAIL``, ``SORA_REFS_S2_KEY``,
``SORA_REFS_OPENALEX_KEY``), else the config file (``SORA_REFS_CONFIG``, else
``$XDG_CONFIG_HOME/sora-refs/config.yaml``, i.e. ``~/.config/sora-refs/config.yaml``;
``%APPDATA%\\sora-refs\\config.yaml`` on Windows), a YAML mapping such as
``email: you@example.org``, ``semantic_scholar_key: ...``, ``openalex_key: ...``.

An identity is optional: without one, Crossref is asked in its public pool,
Unpaywall and Semantic Scholar are not asked, and the report says so. A config file
that cannot be read is a note, never a failure. An identity is never printed, never
written into a manifest, a report or a cache name
(:class:`~sora_refs.bibliography.resolvers.asking.Asker` names hosts, not URLs).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

EMAIL_ENV = "SORA_REFS_EMAIL"
S2_KEY_ENV = "SORA_REFS_S2_KEY"
OPENALEX_KEY_ENV = "SORA_REFS_OPENALEX_KEY"
CONFIG_ENV = "SORA_REFS_CONFIG"
_KEY = re.compile(r"^[A-Za-z0-9_.\-]{8,200}$")  # what the services issue; no spaces
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_MAX_CONFIG = 64 << 10


@dataclass
class Identities:
    email: str = ""
    s2_key: str = ""
    openalex_key: str = ""
    notes: list[str] = field(default_factory=list)  # what could not be used, and why

    def __repr__(self) -> str:  # never shown, even in a traceback's locals
        return "Identities(" + ", ".join(
            f"{name}={'set' if getattr(self, name) else 'unset'}"
            for name in ("email", "s2_key", "openalex_key")) + ")"


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
    out.s2_key = _key(S2_KEY_ENV, "semantic_scholar_key", "Semantic Scholar", settings,
                      out.notes)
    out.openalex_key = _key(OPENALEX_KEY_ENV, "openalex_key", "OpenAlex", settings, out.notes)
    return out


def _key(env: str, name: str, service: str, settings: dict[str, object],
         notes: list[str]) -> str:
    """An API key from the environment, else the config file; one that cannot be a key
    (spaces, quotes, too short) is a note and is not sent (a blank key gets a 401)."""
    key, where = os.environ.get(env, "").strip(), env
    if not key and isinstance(settings.get(name), str):
        key, where = str(settings[name]).strip(), f"'{name}' in {config_path()}"
    if key and not _KEY.match(key):
        notes.append(f"{where} does not look like a {service} API key; it is not used")
        return ""
    return key


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
