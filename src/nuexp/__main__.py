"""``python -m nuexp`` is the ``nuexp`` command."""

from .cli import main

main()
