"""make bench: ClawRouter against a raw pass-through and direct-to-upstream (see run.py)."""
