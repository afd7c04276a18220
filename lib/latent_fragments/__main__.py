"""``python -m latent_fragments`` runs the command line (:mod:`latent_fragments.cli`)."""
import sys

from .cli import main

sys.exit(main())
