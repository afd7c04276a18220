"""Face data sets (synthfaces, orl, celeba, folder) and their uint8 image cache, introduced in chapter 1."""
from __future__ import annotations

from .cache import FaceSet, load_faces
from .pixels import CELEBA_BOX, CELEBA_SIZE, celeba_crop_box, center_square_resize, decode_image, to_rgb
from .datasets import DATASETS, DataSet, LabelSchema
from .errors import DataError
from .labels import column_role, is_categorical, label_columns
from .spec import LOADER_VERSION, DataSpec

__all__ = [
    "CELEBA_BOX",
    "CELEBA_SIZE",
    "DATASETS",
    "LOADER_VERSION",
    "DataError",
    "DataSet",
    "LabelSchema",
    "column_role",
    "is_categorical",
    "label_columns",
    "DataSpec",
    "FaceSet",
    "load_faces",
    "decode_image",
    "celeba_crop_box",
    "center_square_resize",
    "to_rgb",
]
