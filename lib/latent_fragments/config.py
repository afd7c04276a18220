"""Run parameters: one validated configuration shared by notebooks, CLI and tests (chapter 1).

A :class:`RunConfig` holds everything that determines a trained autoencoder and its z-points: the data,
the model, the training schedule and the seed. Its :meth:`RunConfig.key` names the run's artefact
directory, so a changed parameter can never silently reuse weights trained for another.

The environment variable ``LF_PROFILE=small`` shrinks ``n_images`` and ``epochs`` (and the book's sample
sizes) so that the test suite can execute every chapter in minutes; the shrunken values are part of the
key, so small runs never mix with full ones.
"""
from __future__ import annotations

import dataclasses
import os
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .artifacts import stable_hash

def _checkout_root() -> Path | None:
    """The repository holding this package when it runs from a checkout (``lib/latent_fragments``)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "lib" / "latent_fragments").is_dir() else None


#: Repository root of a checkout (``None`` for an ordinary install); default home of ``artifacts/``.
REPO_ROOT = _checkout_root()

#: Values the small profile caps (``LF_PROFILE=small``).
SMALL_PROFILE = {"n_images": 600, "epochs": 2}

#: ``n_images=None`` means "all images" except for synthfaces, which can render any number: its default.
DEFAULT_N_IMAGES = {"synthfaces": 6000}

#: Bump when a change to model or training code makes old runs incomparable.
CODE_VERSION = 1

LOSSES = ("bce", "mse")


class ConfigError(ValueError):
    """A parameter has the wrong type or value; the message names it and says what is allowed."""


def profile() -> str:
    """The active execution profile: ``"small"`` (tests) or ``"full"`` (the book's default run)."""
    value = os.environ.get("LF_PROFILE", "full").strip().lower() or "full"
    if value not in ("small", "full"):
        raise ConfigError(f"LF_PROFILE={value!r} is not a profile; use 'small' or 'full' (or unset it).")
    return value


def default_artifacts_dir() -> Path:
    """Where runs and caches live unless a notebook or the CLI says otherwise: ``$LF_ARTIFACTS``, else
    ``<repository>/artifacts`` for a checkout, else ``~/.cache/latent-fragments`` (an ordinary install)."""
    if os.environ.get("LF_ARTIFACTS"):
        return Path(os.environ["LF_ARTIFACTS"]).expanduser().resolve()
    if REPO_ROOT is not None:
        return REPO_ROOT / "artifacts"
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return (Path(cache_home) / "latent-fragments").expanduser().resolve()


def _positive_int(name: str, value: Any, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) <= 0:
        hint = " or None (all available)" if allow_none else ""
        raise ConfigError(
            f"{name} must be a positive integer{hint}, got {value!r} ({type(value).__name__}); "
            f"for papermill pass e.g. -p {name} 64 (no quotes)."
        )
    return int(value)


@dataclass(frozen=True)
class RunConfig:
    """All parameters of one training run (chapter 1). Construct, then call :meth:`validated`."""

    dataset: str = "synthfaces"
    data_dir: str | None = None
    n_images: int | None = None
    z_dim: int = 256
    epochs: int = 8
    batch_size: int = 64
    seed: int = 0
    filters: tuple[int, ...] = (32, 64, 128, 128)
    kernel_size: int = 3
    activation: str = "leaky_relu"
    loss: str = "bce"
    learning_rate: float = 5e-4
    test_fraction: float = 0.1
    image_size: int = 96
    data_seed: int = 0
    profile: str = field(default="full")

    def validated(self) -> "RunConfig":
        """Check every parameter, apply the active profile, and return the effective configuration."""
        from .data import DATASETS  # local import: data imports heavy modules lazily

        if not isinstance(self.dataset, str) or self.dataset not in DATASETS:
            raise ConfigError(
                f"unknown dataset {self.dataset!r}; valid names: {', '.join(DATASETS)}."
            )
        if self.data_dir is not None and not isinstance(self.data_dir, (str, os.PathLike)):
            raise ConfigError(f"data_dir must be a path or None, got {self.data_dir!r}.")
        n_images = _positive_int("n_images", self.n_images, allow_none=True)
        if n_images is None:
            n_images = DEFAULT_N_IMAGES.get(self.dataset)
        z_dim = _positive_int("z_dim", self.z_dim)
        epochs = _positive_int("epochs", self.epochs)
        batch_size = _positive_int("batch_size", self.batch_size)
        kernel_size = _positive_int("kernel_size", self.kernel_size)
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {self.seed!r}.")
        if self.image_size != 96:
            raise ConfigError("image_size must be 96: the encoder halves it four times to 6x6.")
        filters = tuple(self.filters)
        if len(filters) != 4:
            raise ConfigError(f"filters must list 4 layer widths (4 Conv2D layers), got {filters!r}.")
        for width in filters:
            _positive_int("filters", width)
        if self.loss not in LOSSES:
            raise ConfigError(f"loss must be one of {LOSSES}, got {self.loss!r}.")
        if not (isinstance(self.learning_rate, numbers.Real) and self.learning_rate > 0):
            raise ConfigError(f"learning_rate must be a positive number, got {self.learning_rate!r}.")
        if not (isinstance(self.test_fraction, numbers.Real) and 0 < self.test_fraction < 1):
            raise ConfigError(f"test_fraction must lie in (0, 1), got {self.test_fraction!r}.")
        active = profile()
        if active == "small":
            if n_images is not None:
                n_images = min(n_images, SMALL_PROFILE["n_images"])
            epochs = min(epochs, SMALL_PROFILE["epochs"])
        return dataclasses.replace(
            self,
            data_dir=None if self.data_dir is None else str(Path(self.data_dir).expanduser().resolve()),
            n_images=n_images,
            z_dim=z_dim,
            epochs=epochs,
            batch_size=batch_size,
            kernel_size=kernel_size,
            seed=int(self.seed),
            filters=tuple(int(f) for f in filters),
            learning_rate=float(self.learning_rate),
            test_fraction=float(self.test_fraction),
            profile=active,
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (tuples as lists) used in ``config.json`` and for hashing."""
        d = dataclasses.asdict(self)
        d["filters"] = list(self.filters)
        return d

    def key(self) -> str:
        """Hash naming the run: equal effective configurations, code version and image data (the data
        cache's key, which changes with the synthfaces renderer) give equal keys."""
        return stable_hash({"config": self.as_dict(), "code_version": CODE_VERSION, "data": self.data_spec().key()})

    def run_name(self) -> str:
        """Human-readable directory name: ``<dataset>-z<z_dim>-<key>``."""
        return f"{self.dataset}-z{self.z_dim}-{self.key()}"

    def data_spec(self):
        """The :class:`latent_fragments.data.DataSpec` of this run's images."""
        from .data import DataSpec

        return DataSpec(
            dataset=self.dataset,
            data_dir=self.data_dir,
            n_images=self.n_images,
            image_size=self.image_size,
            data_seed=self.data_seed,
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RunConfig":
        """Inverse of :meth:`as_dict`; unknown keys are an error (a foreign or newer config file)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ConfigError(f"unknown configuration keys {sorted(unknown)}; is this a config of another version?")
        d = dict(d)
        if "filters" in d:
            d["filters"] = tuple(d["filters"])
        return cls(**d)
