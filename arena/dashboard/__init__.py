"""Interactive Solara dashboard of the Arena economy (``arena dashboard``)."""
