"""The terminal: the Typer app, its commands, and everything that draws for a person.

The only package that prints, prompts, exits or imports typer and rich. Commands
parse their options, call one function of the packages below and render what it
returns; ``tables`` draws ``list`` and ``stats`` without rich, for a fast start.
May import everything; nothing imports it.
"""

from sora_refs.cli.base import app, main

__all__ = ["app", "main"]
