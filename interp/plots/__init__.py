"""Pure drawing functions: analysis result → ``matplotlib.figure.Figure``. One module per plan section."""
