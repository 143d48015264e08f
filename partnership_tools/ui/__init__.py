"""The Voilà apps' widgets: the facilitator's console and the projector screen.

Only this package imports ipywidgets; the core modules stay free of it. Import the apps from their
modules (``partnership_tools.ui.facilitator``, ``partnership_tools.ui.projector``) so a page loads
only what it shows.
"""

__all__: list[str] = []

# Imported first so its start-up fix applies before anything loads Altair.
from partnership_tools import charts as _charts  # noqa: E402,F401
