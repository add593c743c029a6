"""Images and audio through the relay: the routes (routes.py) and the metering of the
passed-through answers (meters.py)."""
