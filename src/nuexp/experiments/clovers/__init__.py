"""clovers experiment."""
