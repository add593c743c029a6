"""Video tasks through the relay: the routes (routes.py), submitting a task (submit.py) and
a task's life after submit, read back and refunded (tasks.py)."""
