"""Small-scale structure of the z-point cloud, tested against null models (chapter 4).

The first post of the blog series promised "filamental structures on small scales"; later posts
found the bulk of the z-points to be one ellipsoid, close to a multivariate normal distribution (MND).
This subpackage asks whether the cloud has *small-scale* structure that a null model with the same
large-scale shape lacks:

- :mod:`.dimension`: intrinsic dimension (TwoNN, Levina-Bickel, per point),
- :mod:`.graphs`: minimum spanning tree, HDBSCAN clusters,
- :mod:`.tails`: the radial outlier profile, zoomed projections,
- :mod:`.mixture`: the large-scale shape on the leading axes and the mixture that keeps it,
- :mod:`.measures`: one measurement per cloud and the registry of statistics compared,
- :mod:`.nulls`: the registry of null models (fitted MND, radius-matched, shape-matched mixture),
- :mod:`.calibration`: one exchangeable Monte Carlo test per null,
- :mod:`.verdict`: :func:`filament_verdict`, the chapter's verdict, its label and table,
- :mod:`.carriage`: which labels the small scales carry, against a linear model of z,
- :mod:`.controls`: clouds whose answer is known.

Numbers and labels only; the sentences are in :mod:`latent_fragments.pages.filaments`. Neighbour
searches use :func:`latent_fragments.stats.neighbours.knn_search`, Gaussians
:class:`latent_fragments.stats.gaussian.Gaussian`.
"""
from __future__ import annotations

from ..neighbours import HAVE_FAISS, knn_distances, knn_search
from .calibration import (RELATIVE_FLOORS, SD_FLOORS, NullTest, global_null_test, global_p_values,
                          pooled_standardise)
from .carriage import (label_carriage, large_scale_coordinates, linear_label_model, neighbour_label_agreement,
                       whole_cloud_summary)
from .controls import CONTROL_KINDS, control_cloud
from .dimension import levina_bickel_dimension, local_dimension, twonn_dimension
from .graphs import cluster_cloud, cluster_label_agreement, mst_edge_lengths
from .measures import (RESOLVED_SCALE, SCALES, STATISTIC_KEYS, STATISTICS, CloudMeasures, Statistic,
                       filament_statistics, measure_cloud, scale_resolution, statistic, statistic_index)
from .mixture import HeadMixture, choose_components, shape_statistics
from .nulls import (NULL_MODELS, NULL_ROLES, NullModel, NullSettings, RadiusMatched, fit_null, null_model,
                    nulls_with_role)
from .tails import densest_point, radial_outlier_profile, zoom_window
from .verdict import (VERDICT_LABELS, FilamentVerdict, filament_verdict, more_clusters, small_scale_departure,
                      verdict_label)

__all__ = [
    "HAVE_FAISS", "knn_distances", "knn_search",
    "RELATIVE_FLOORS", "SD_FLOORS", "NullTest", "global_null_test", "global_p_values", "pooled_standardise",
    "label_carriage", "large_scale_coordinates", "linear_label_model", "neighbour_label_agreement",
    "whole_cloud_summary",
    "CONTROL_KINDS", "control_cloud",
    "levina_bickel_dimension", "local_dimension", "twonn_dimension",
    "cluster_cloud", "cluster_label_agreement", "mst_edge_lengths",
    "RESOLVED_SCALE", "SCALES", "STATISTIC_KEYS", "STATISTICS", "CloudMeasures", "Statistic",
    "filament_statistics", "measure_cloud", "scale_resolution", "statistic", "statistic_index",
    "HeadMixture", "choose_components", "shape_statistics",
    "NULL_MODELS", "NULL_ROLES", "NullModel", "NullSettings", "RadiusMatched", "fit_null", "null_model",
    "nulls_with_role",
    "densest_point", "radial_outlier_profile", "zoom_window",
    "VERDICT_LABELS", "FilamentVerdict", "filament_verdict", "more_clusters", "small_scale_departure",
    "verdict_label",
]
