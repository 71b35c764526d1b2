"""The terminal: the Typer app, its commands, and everything that draws for a person.

The only package that prints, prompts, exits or imports typer and rich. Commands
parse their options, call one function of the packages below and render what it
returns. ``base`` holds the app and what commands share; ``reading`` (list, export,
show, stats, tree), ``library`` (fetch, verify, import) and ``lists`` (check, add,
init) the commands; ``runner`` a fetch's run; ``render`` the rich views and
``tables`` the text tables of ``list`` and ``stats``, drawn without rich for a fast
start. May import everything; nothing imports it.
"""

# isort: off
# Importing the command modules registers their commands, in this order in --help:
# reading the list first, then the library, then editing lists.
from sora_refs.cli import reading, library, lists  # noqa: F401
# isort: on
from sora_refs.cli.base import app, main

__all__ = ["app", "main"]
