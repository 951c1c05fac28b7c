"""dayabay-design experiment (a reactor-family preset)."""
