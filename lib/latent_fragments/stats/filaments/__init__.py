"""Small-scale structure of the z-point cloud, tested against null models (chapter 4).

The first post of the blog series promised "filamental structures on small scales"; later posts
found the bulk of the z-points to be one ellipsoid, close to a multivariate normal distribution (MND).
This subpackage asks whether the cloud has *small-scale* structure that a null model with the same
mean and covariance lacks:

- :mod:`.dimension`: intrinsic dimension (TwoNN, Levina-Bickel, per point),
- :mod:`.graphs`: minimum spanning tree, HDBSCAN clusters,
- :mod:`.tails`: the radial outlier profile, zoomed projections,
- :mod:`.measures`: one measurement per cloud and the statistics compared,
- :mod:`.nulls`: the fitted MND and the radius-matched null,
- :mod:`.calibration`: one global Monte Carlo test per null, corrected for fitting the null,
- :mod:`.verdict`: :func:`filament_verdict`, the chapter's verdict, its table and sentence,
- :mod:`.carriage`: which labels the small scales carry, against a linear model of z.

Neighbour searches use :func:`latent_fragments.stats.neighbours.knn_search`, Gaussians
:class:`latent_fragments.stats.gaussian.Gaussian`.
"""
from __future__ import annotations

from ..neighbours import HAVE_FAISS, knn_distances, knn_search
from .calibration import (RELATIVE_FLOORS, SD_FLOORS, NullTest, global_null_test, global_p_values,
                          standardised_differences)
from .carriage import (carriage_sentence, label_carriage, large_scale_coordinates, linear_label_model,
                       neighbour_label_agreement, whole_cloud_sentence, whole_cloud_summary)
from .controls import CONTROL_KINDS, control_cloud
from .dimension import levina_bickel_dimension, local_dimension, twonn_dimension
from .graphs import cluster_cloud, cluster_label_agreement, mst_edge_lengths
from .measures import (FILAMENT_STATISTICS, RESOLVED_SCALE, STATISTIC_SCALES, CloudMeasures, filament_statistics,
                       measure_cloud, scale_resolution, scale_sentence)
from .nulls import NULL_MODELS, FittedNull, fit_null, null_model, radius_matched_null
from .tails import densest_point, radial_outlier_profile, tails_sentence, zoom_window
from .verdict import (VERDICT_LABELS, FilamentVerdict, departures_text, filament_verdict, surface_sentence,
                      verdict_label, verdict_sentence)

__all__ = [
    "HAVE_FAISS", "knn_distances", "knn_search",
    "RELATIVE_FLOORS", "SD_FLOORS", "NullTest", "global_null_test", "global_p_values", "standardised_differences",
    "carriage_sentence", "label_carriage", "large_scale_coordinates", "linear_label_model",
    "neighbour_label_agreement", "whole_cloud_sentence", "whole_cloud_summary",
    "CONTROL_KINDS", "control_cloud",
    "levina_bickel_dimension", "local_dimension", "twonn_dimension",
    "cluster_cloud", "cluster_label_agreement", "mst_edge_lengths",
    "FILAMENT_STATISTICS", "RESOLVED_SCALE", "STATISTIC_SCALES", "CloudMeasures", "filament_statistics",
    "measure_cloud", "scale_resolution", "scale_sentence",
    "NULL_MODELS", "FittedNull", "fit_null", "null_model", "radius_matched_null",
    "densest_point", "radial_outlier_profile", "tails_sentence", "zoom_window",
    "VERDICT_LABELS", "FilamentVerdict", "departures_text", "filament_verdict", "surface_sentence",
    "verdict_label", "verdict_sentence",
]
