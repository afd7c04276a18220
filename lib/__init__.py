"""latent-fragments: the small library behind the book.

Each module holds one concept and names, in its docstrings, the chapter that introduces it:

- :mod:`lib.config`      run parameters, validation, the small test profile (chapter 1)
- :mod:`lib.synthfaces`  the procedural face renderer, the book's default data (chapter 1)
- :mod:`lib.data`        face data sets (synthfaces, orl, celeba, folder) and the uint8 cache (chapter 1)
- :mod:`lib.model`       the convolutional autoencoder of the blog series (chapter 1)
- :mod:`lib.training`    streaming training with checkpoints and resume, encoding (chapter 1)
- :mod:`lib.artifacts`   atomic writes and run directories keyed by configuration (chapter 1)
- :mod:`lib.generators`  statistical generators of latent points (chapters 1-3)
- :mod:`lib.plotting`    figures shared by the chapters (chapter 1 on)
"""
from __future__ import annotations

import os as _os

# TensorFlow's C++ logging is noisy on import; quieten it before Keras loads it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
