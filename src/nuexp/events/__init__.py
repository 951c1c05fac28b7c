"""Event level: generation, columnar I/O, selection, cut flows, background estimation."""
