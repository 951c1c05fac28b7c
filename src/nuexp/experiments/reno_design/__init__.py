"""reno-design experiment (a reactor-family preset)."""
