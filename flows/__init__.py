"""Prefect flows, tasks and the ``newsetl`` command.

Prefect reads its settings when it is first imported, so the package sets newsetl's defaults
(quiet logs, no analytics, a project-local PREFECT_HOME) before any of its modules imports it.
"""

from flows.settings import configure_prefect_environment

configure_prefect_environment()
