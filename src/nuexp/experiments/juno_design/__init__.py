"""juno-design experiment (a reactor-family preset)."""
