"""relics experiment."""
