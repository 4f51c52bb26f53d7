"""``python -m arena.dashboard``: serve the dashboard (see :func:`arena.dashboard.serve`)."""

from arena.dashboard import main

main()
