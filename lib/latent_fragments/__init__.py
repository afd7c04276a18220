"""latent-fragments: the small library behind the book, organised by concept.

Each module names, in its docstrings, the chapter that introduces it (see ARCHITECTURE.md):

- :mod:`latent_fragments.config`      run parameters, validated once; the small test profile (chapter 1)
- :mod:`latent_fragments.artifacts`   atomic writes, hashes, artefact errors (chapter 1)
- :mod:`latent_fragments.data`        face data sets (synthfaces, orl, celeba, folder) and the uint8 cache
- :mod:`latent_fragments.synthfaces`  the procedural face renderer, the book's default data (chapter 1)
- :mod:`latent_fragments.model`       the convolutional autoencoder of the blog series (chapter 1)
- :mod:`latent_fragments.training`    streaming training with checkpoints and resume, encoding (chapter 1)
- :mod:`latent_fragments.runs`        a trained run: its directory, loading it or training it first
- :mod:`latent_fragments.stats`       statistics of z-point clouds: generators, components (chapter 2),
  the fragment (chapter 3), filaments (chapter 4), image quality (chapters 1 and 3)
- :mod:`latent_fragments.plots`       the book's figures and its one style module
- :mod:`latent_fragments.tfnoise`     TensorFlow's start-up noise filtered off stderr (chapter 1)
- :mod:`latent_fragments.cli`         the command line, ``latent-fragments`` or ``python -m latent_fragments``
"""
from __future__ import annotations

import os as _os

from . import tfnoise as _tfnoise

# TensorFlow's C++ logging is noisy on import; quieten it before Keras loads it: the log level for
# what honours it, and a filter on file descriptor 2 for the lines printed before absl's logging
# starts (see latent_fragments.tfnoise). The project's own warnings still reach stderr.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_tfnoise.install()

__version__ = "0.1.0"
