"""latent-fragments: the small library behind the book.

Each module holds one concept and names, in its docstrings, the chapter that introduces it:

- :mod:`lib.config`          run parameters, validation, the small test profile (chapter 1)
- :mod:`lib.synthfaces`      the procedural face renderer, the book's default data (chapter 1)
- :mod:`lib.data`            face data sets (synthfaces, orl, celeba, folder) and the uint8 cache (chapter 1)
- :mod:`lib.model`           the convolutional autoencoder of the blog series (chapter 1)
- :mod:`lib.training`        streaming training with checkpoints and resume, encoding (chapter 1)
- :mod:`lib.artifacts`       atomic writes, hashes, artefact errors (chapter 1)
- :mod:`lib.runs`            a trained run: its directory, loading it or training it first (chapter 1)
- :mod:`lib.style`           the book's palette and figure width (chapter 1 on)
- :mod:`lib.plotting`        image grids, training curves, error histograms (chapter 1 on)
- :mod:`lib.quality`         how close generated images come to real ones (chapters 1 and 3)
- :mod:`lib.generators`      statistical generators of latent points (chapters 1-3)
- :mod:`lib.latent_stats`    statistics of z-point clouds (chapter 2)
- :mod:`lib.latent_plots`    the figures of chapter 2
- :mod:`lib.fragment`        PCA of the latent fragment, normality tests, label association (chapter 3)
- :mod:`lib.fragment_plots`  the figures of chapter 3
- :mod:`lib.filaments`       small-scale statistics against a null model (chapter 4)
- :mod:`lib.filament_plots`  the figures of chapter 4

``python -m lib`` is the command line (:mod:`lib.__main__`).
"""
from __future__ import annotations

import os as _os

# TensorFlow's C++ logging is noisy on import; quieten it before Keras loads it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
