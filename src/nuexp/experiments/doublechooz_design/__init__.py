"""doublechooz-design experiment (a reactor-family preset)."""
