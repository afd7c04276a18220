"""Run parameters: one validated configuration shared by notebooks, CLI and tests (chapter 1).

A :class:`RunConfig` holds everything that determines a trained autoencoder and its z-points: the data,
the model, the training schedule and the seed. Its :meth:`RunConfig.key` names the run's artefact
directory, so a changed parameter can never silently reuse weights trained for another.

A configuration is checked and normalised once, when it is made. The execution profile is applied once,
too, by :meth:`RunConfig.with_profile` (the CLI and each chapter's first code cell call it): the
environment variable ``LF_PROFILE=small`` shrinks ``n_images`` and ``epochs`` (and the book's sample sizes)
so that the test suite can execute every chapter in minutes; the profile and the shrunken values are part
of the key, so small runs never mix with full ones.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
import os
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .artifacts import stable_hash
from .data.datasets import DATASETS
from .data.errors import DataError
from .data.spec import DataSpec


def _checkout_root() -> Path | None:
    """The repository holding this package when it runs from a checkout (``lib/latent_fragments``)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "lib" / "latent_fragments").is_dir() else None


#: Repository root of a checkout (``None`` for an ordinary install); default home of ``artifacts/``.
REPO_ROOT = _checkout_root()

#: Values the small profile caps (``LF_PROFILE=small``).
SMALL_PROFILE = {"n_images": 600, "epochs": 2}

#: Bump when a change to model or training code makes old runs incomparable.
CODE_VERSION = 3  # 2: the split has its own seed (split_seed) or CelebA's partition; 3: the key holds the data's
#: content (DataSpec.content_key), not its path

LOSSES = ("bce", "mse")
MODELS = ("ae", "vae")
PROFILES = ("small", "full")
#: Numeric precision of training (``keras.mixed_precision`` policy names); the book's default is float32.
PRECISIONS = ("float32", "mixed_bfloat16")

#: Fields added after runs were first stored (chapter 5): left out of ``as_dict`` (and so of the key and
#: ``config.json``) while they hold these defaults, so every earlier run keeps its key.
LATER_DEFAULTS = {"batch_norm": False, "model": "ae", "precision": "float32"}


class ConfigError(ValueError):
    """A parameter has the wrong type or value; the message names it and says what is allowed."""


def profile() -> str:
    """The active execution profile: ``"small"`` (tests) or ``"full"`` (the book's default run)."""
    value = os.environ.get("LF_PROFILE", "full").strip().lower() or "full"
    if value not in PROFILES:
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


#: Activations the encoder and decoder may use (Keras names).
ACTIVATIONS = ("leaky_relu", "relu", "elu", "gelu", "selu", "silu", "tanh")


def _positive_int(name: str, value: Any, allow_none: bool = False) -> int | None:
    """``value`` as an int if it is a positive integer (or ``None`` when allowed), else :class:`ConfigError`."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) <= 0:
        hint = " or None (all available)" if allow_none else ""
        raise ConfigError(
            f"{name} must be a positive integer{hint}, got {value!r} ({type(value).__name__}); "
            f"for papermill pass e.g. -p {name} 64 (no quotes)."
        )
    return int(value)


#: Seeds lie in ``0 <= seed < SEED_LIMIT``. The model seed seeds numpy, Python and the backend at once
#: (``keras.utils.set_random_seed``), and a resumed run reseeds with ``seed + first_epoch``
#: (:func:`latent_fragments.training.fit`): numpy's legacy seed must stay below 2**32, and a backend that keeps
#: seeds as signed 32-bit integers needs them below 2**31; a seed below 2**31 can so be resumed at any epoch
#: below 2**31. Checked when the configuration is made (issue 23), before any data are prepared.
SEED_LIMIT = 2**31


def _seed(name: str, value: Any) -> int:
    """``value`` as an int if it is an integer in ``0 <= value <`` :data:`SEED_LIMIT`, else :class:`ConfigError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ConfigError(f"{name} must be a non-negative integer, got {value!r}.")
    if value >= SEED_LIMIT:
        raise ConfigError(f"{name} must be below 2**31 = {SEED_LIMIT} (numpy, Keras and the backend are seeded with "
                          f"it, a resumed run with it plus the epoch), got {value!r}.")
    return int(value)


def _flag(name: str, value: Any) -> bool:
    """``value`` as a bool: a bool, or the text true/false/yes/no/on/off/1/0 (the CLI), else :class:`ConfigError`."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}.")


def _number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _help(text: str, default: Any) -> Any:
    """A dataclass field with its command-line help text (the CLI's options are made from the fields)."""
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class RunConfig:
    """All parameters of one training run (chapter 1), checked and normalised when it is made.

    A bad value raises :class:`ConfigError` at construction (also from ``dataclasses.replace``).
    :meth:`with_profile` applies the execution profile and returns the effective configuration.
    """

    dataset: str = _help(", ".join(list(DATASETS)[:-1]) + " or " + list(DATASETS)[-1], "synthfaces")
    data_dir: str | None = _help("CelebA folder (holding img_align_celeba/) or image folder", None)
    n_images: int | None = _help("images to use (default: all; synthfaces 6000)", None)
    z_dim: int = _help("latent dimension", 256)
    epochs: int = _help("training epochs", 8)
    batch_size: int = _help("training batch size", 64)
    seed: int = _help("seed of the model: initial weights and batch order", 0)
    filters: tuple[int, ...] = _help("4 encoder widths, e.g. 32,64,128,128", (32, 64, 128, 128))
    kernel_size: int = _help("convolution kernel size", 3)
    activation: str = _help(f"activation of the hidden layers: {', '.join(ACTIVATIONS)}", "leaky_relu")
    loss: str = _help("reconstruction loss: " + " or ".join(LOSSES), "bce")
    learning_rate: float = _help("Adam learning rate", 5e-4)
    test_fraction: float = _help("fraction of images held out (unless CelebA's official partition is used)", 0.1)
    split_seed: int = _help("seed of the train/held-out split, shared by runs of any model seed", 0)
    image_size: int = _help("image side in pixels (the encoder needs 96)", 96)
    data_seed: int = _help("seed of the synthfaces renderer", 0)
    profile: str = field(default="full", metadata={"cli": False})
    batch_norm: bool = _help("batch normalisation after each convolution: true or false", False)
    model: str = _help("ae (plain autoencoder) or vae (variational, beta = 1)", "ae")
    precision: str = _help("training precision: float32 or mixed_bfloat16 (bfloat16 compute, float32 weights, "
                           "z-points and output)", "float32")

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ConfigError(f"profile must be one of {PROFILES}, got {self.profile!r}.")
        for name, value in {**self._checked_data(), **self._checked_model()}.items():
            object.__setattr__(self, name, value)

    def _checked_data(self) -> dict[str, Any]:
        """The normalised data fields, and the run's one :class:`DataSpec` (checked by ``DataSpec.validate``,
        its errors raised as :class:`ConfigError`); the default ``n_images`` is the data set's record's."""
        n_images = _positive_int("n_images", self.n_images, allow_none=True)
        if n_images is None and isinstance(self.dataset, str) and self.dataset in DATASETS:
            n_images = DATASETS[self.dataset].default_n_images
        if self.profile == "small" and n_images is not None:
            n_images = min(n_images, SMALL_PROFILE["n_images"])
        try:
            spec = DataSpec(dataset=self.dataset, data_dir=self.data_dir, n_images=n_images,
                            image_size=self.image_size, data_seed=self.data_seed)
        except DataError as exc:
            raise ConfigError(str(exc)) from None
        if self.image_size != 96:
            raise ConfigError("image_size must be 96: the encoder halves it four times to 6x6.")
        data_dir = None if self.data_dir is None else str(Path(self.data_dir).expanduser().resolve())
        object.__setattr__(self, "_data_spec", spec)
        return dict(data_dir=data_dir, n_images=n_images, image_size=int(self.image_size),
                    data_seed=int(self.data_seed))

    def _checked_model(self) -> dict[str, Any]:
        """The normalised model and training fields."""
        checked = {name: _positive_int(name, getattr(self, name)) for name in ("z_dim", "epochs", "batch_size",
                                                                                "kernel_size")}
        if self.profile == "small":
            checked["epochs"] = min(checked["epochs"], SMALL_PROFILE["epochs"])
        checked.update(seed=_seed("seed", self.seed), split_seed=_seed("split_seed", self.split_seed))
        if not isinstance(self.filters, (tuple, list)) or len(self.filters) != 4:
            raise ConfigError(f"filters must list 4 layer widths (4 Conv2D layers), got {self.filters!r}.")
        checked["filters"] = tuple(_positive_int("filters", width) for width in self.filters)
        if self.activation not in ACTIVATIONS:
            raise ConfigError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}.")
        if self.loss not in LOSSES:
            raise ConfigError(f"loss must be one of {LOSSES}, got {self.loss!r}.")
        if not (_number(self.learning_rate) and math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ConfigError(f"learning_rate must be a positive finite number, got {self.learning_rate!r} "
                              f"(an infinite or NaN rate trains to NaN).")
        if not (_number(self.test_fraction) and 0 < self.test_fraction < 1):
            raise ConfigError(f"test_fraction must lie in (0, 1), got {self.test_fraction!r}.")
        checked.update(learning_rate=float(self.learning_rate), test_fraction=float(self.test_fraction))
        if self.model not in MODELS:
            raise ConfigError(f"model must be one of {MODELS}, got {self.model!r}.")
        checked["batch_norm"] = _flag("batch_norm", self.batch_norm)
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {PRECISIONS}, got {self.precision!r}.")
        return checked

    def with_profile(self, name: str | None = None) -> "RunConfig":
        """The effective configuration under the execution profile ``name`` (``None``: ``$LF_PROFILE``, see
        :func:`profile`); ``"small"`` caps ``n_images`` and ``epochs`` as :data:`SMALL_PROFILE` says.
        Called once, by the CLI and by each chapter's first code cell (chapter 1)."""
        name = profile() if name is None else name
        if name not in PROFILES:
            raise ConfigError(f"profile must be one of {PROFILES}, got {name!r}.")
        if self.profile == "small" and name == "full":
            raise ConfigError("this configuration was capped by the small profile; make it again from its "
                              "full parameters instead of widening it.")
        return self if name == self.profile else dataclasses.replace(self, profile=name)

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (tuples as lists) used in ``config.json`` and for hashing."""
        d = dataclasses.asdict(self)
        d["filters"] = list(self.filters)
        return {k: v for k, v in d.items() if not (k in LATER_DEFAULTS and v == LATER_DEFAULTS[k])}

    def portable_dict(self) -> dict[str, Any]:
        """:meth:`as_dict` without ``data_dir``: what a run's key and reuse depend on (chapter 1)."""
        return {k: v for k, v in self.as_dict().items() if k != "data_dir"}

    def key(self) -> str:
        """Hash naming the run: equal effective configurations (but for ``data_dir``), code version and image
        data (:meth:`DataSpec.content_key`: the images' names and sizes, or the synthfaces renderer) give
        equal keys, so the same images under another path find the same run.

        Computed once per configuration object: the renderer's source is hashed from disk, and a run that
        is being trained must keep its key (and directory) even if that source is edited meanwhile.
        """
        if "_key" not in self.__dict__:
            data_key = self.data_spec().content_key()
            object.__setattr__(self, "_key", stable_hash({"config": self.portable_dict(), "code_version": CODE_VERSION,
                                                          "data": data_key}))
        return self.__dict__["_key"]

    def run_name(self) -> str:
        """Human-readable directory name: ``<dataset>-z<z_dim>-<key>``."""
        return f"{self.dataset}-z{self.z_dim}-{self.key()}"

    def data_spec(self) -> DataSpec:
        """The :class:`latent_fragments.data.DataSpec` of this run's images, made and checked once with the
        configuration."""
        return self.__dict__["_data_spec"]

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


def field_types() -> dict[str, Any]:
    """The type hint of every :class:`RunConfig` field a user gives (all but ``profile``). Introduced in chapter 1."""
    hints = typing.get_type_hints(RunConfig)
    return {f.name: hints[f.name] for f in dataclasses.fields(RunConfig) if f.metadata.get("cli", True)}


def parse_value(name: str, text: str, label: str | None = None) -> Any:
    """The value of the field ``name`` written as text (a command-line option, a ``--vary`` axis, a
    chapter's parameter): int or float as the field's type says, ``none`` for an optional one, tuples
    (``filters``) as comma-separated integers, anything else as the text (checked by :class:`RunConfig`).
    ``label`` names the value in messages (default ``name``). Introduced in chapter 1; the one parser of
    the CLI and of chapter 5's sweep grid."""
    types = field_types()
    if name not in types:
        raise ConfigError(f"{name!r} is not a run parameter; use one of {sorted(types)}.")
    hint, label = types[name], label or name
    if text.lower() == "none" and type(None) in typing.get_args(hint):
        return None
    if typing.get_origin(hint) is tuple:
        try:
            return tuple(int(part) for part in text.split(","))
        except ValueError:
            width = len(RunConfig.__dataclass_fields__[name].default)
            raise ConfigError(f"{label} must be {width} comma-separated integers, got {text!r}") from None
    kinds = typing.get_args(hint) or (hint,)
    for kind in (int, float):
        if kind in kinds:
            try:
                return kind(text)
            except ValueError:
                raise ConfigError(f"{label}={text!r} is not a valid value for {name}.") from None
    return text


#: A seed written as text: a non-negative decimal integer without leading zeros ("01" is ambiguous).
_SEED_TEXT = re.compile(r"0|[1-9][0-9]*")


def parse_seeds(value: Any, label: str = "seeds") -> list[int]:
    """Model seeds from a list of non-negative integers (a TOML grid) or the text ``"0,1,2"`` (the CLI's
    ``--seeds``, a TOML string, chapter 5's parameter), parsed the same way wherever they are written, each
    below :data:`SEED_LIMIT`. Text such as ``"01"`` is ambiguous (seeds 0 and 1, or seed 1?) and refused.
    Introduced in chapter 5."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",")]
        if any(re.fullmatch(r"0[0-9]+", part) for part in parts):
            raise ConfigError(f"{label}={value!r} is ambiguous: write the seeds separated by commas, "
                              f"without leading zeros (0,1 for seeds 0 and 1; 1 for seed 1).")
        if not all(_SEED_TEXT.fullmatch(part) for part in parts):
            raise ConfigError(f"{label} must be comma-separated non-negative integers such as 0,1,2, "
                              f"got {value!r}.")
        seeds = [int(part) if len(part) <= len(str(SEED_LIMIT)) else SEED_LIMIT for part in parts]
    elif isinstance(value, (list, tuple)) and value and all(_is_seed(v) for v in value):
        seeds = [int(v) for v in value]
    else:
        raise ConfigError(f"{label} must be a list of non-negative integers such as [0, 1, 2] or the text "
                          f"\"0,1,2\", got {value!r}.")
    if max(seeds) >= SEED_LIMIT:
        raise ConfigError(f"{label} must be below 2**31 = {SEED_LIMIT}, the limit of a model seed, got {value!r}.")
    return seeds


def _is_seed(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0
