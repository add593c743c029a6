"""The Realtime API relay over WebSocket: the route that opens both sides (routes.py) and one
open session pumping frames and billing turns (session.py)."""
