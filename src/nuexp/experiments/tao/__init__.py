"""tao experiment (a reactor-family preset)."""
