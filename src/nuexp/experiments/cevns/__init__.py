"""cevns experiment."""
