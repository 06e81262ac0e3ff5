"""``python -m flows`` runs the ``newsetl`` command."""

from flows.cli import main

main()
