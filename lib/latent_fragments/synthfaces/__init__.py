"""Synthfaces: the procedural face renderer that is the book's default data set (chapter 1)."""
from .colors import hair_color, skin_color
from .factors import (FACTOR_COLUMNS, FACTOR_RANGES, HAIR_STYLES, INTEGER_FACTORS, IRIS_COLORS,
                      sample_factors)
from .render import render_batch, render_face

__all__ = ["FACTOR_COLUMNS", "FACTOR_RANGES", "HAIR_STYLES", "INTEGER_FACTORS", "IRIS_COLORS",
           "hair_color", "render_batch", "render_face", "sample_factors", "skin_color"]
