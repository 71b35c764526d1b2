"""Allow ``python -m sora_refs``."""

from sora_refs.cli import main

main()
