"""latent-fragments: the small library behind the book, organised by concept.

Each module names, in its docstrings, the chapter that introduces it (see ARCHITECTURE.md):

- :mod:`latent_fragments.config`      run parameters, validated once; the small test profile (chapter 1)
- :mod:`latent_fragments.artifacts`   atomic writes, hashes, artefact errors (chapter 1)
- :mod:`latent_fragments.layout`      the artefact root and the names of a run's files (chapter 1)
- :mod:`latent_fragments.data`        the data-set registry (synthfaces, orl, celeba, folder), label roles,
  the uint8 cache (chapter 1)
- :mod:`latent_fragments.synthfaces`  the procedural face renderer, the book's default data (chapter 1)
- :mod:`latent_fragments.model`       the convolutional autoencoder of the blog series (chapter 1)
- :mod:`latent_fragments.training`    streaming training with checkpoints and resume, encoding (chapter 1)
- :mod:`latent_fragments.runs`        a trained run: its directory, loading it or training it first
- :mod:`latent_fragments.stats`       statistics of z-point clouds: generators, components (chapter 2),
  the fragment (chapter 3), filaments (chapter 4), image quality (chapters 1 and 3)
- :mod:`latent_fragments.plots`       the book's figures and its one style module
- :mod:`latent_fragments.tfnoise`     TensorFlow's start-up noise filtered off stderr, by :func:`tfnoise.quiet`
  where a program starts (chapter 1)
- :mod:`latent_fragments.chapter`     a chapter's preamble in one call (chapter 1)
- :mod:`latent_fragments.cli`         the command line, ``latent-fragments`` or ``python -m latent_fragments``

Importing the package changes nothing in the process (no environment variable, no import hook).
"""
from __future__ import annotations

__version__ = "0.1.0"
