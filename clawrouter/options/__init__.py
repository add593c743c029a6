"""options package."""
