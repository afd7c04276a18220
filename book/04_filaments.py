# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Filaments: small-scale structure, tested against a null model
#
# The first post of the series {cite}`moenchmeyer2023part1` promised "a large coherent fragment with limited extensions, but also
# filamental structures on small scales" and asked what information the filaments encode. The later posts
# (and chapter 3) describe the bulk as one ellipsoid close to a multivariate normal distribution (MND). This
# chapter settles the question for this run with measurements: **is there structure at small scales that an
# MND with the same mean and covariance does not have, and if so, what does it carry?**
#
# The method: a *null model*, as many points drawn from the MND fitted to the training z-points, is analysed
# by exactly the same code as the data, several times, so that the spread between null draws shows what
# differences are significant. Every statistic is reported as an effect size
# $z = (T_\text{data} - \langle T_\text{null} \rangle) / \operatorname{sd}(T_\text{null})$, with the null's
# mean corrected for the bias of fitting a covariance matrix to a finite sample (a parametric double
# bootstrap, see `latent_fragments.stats.filaments.compare_with_null`).

# %% tags=["parameters"]
dataset = "synthfaces"  # synthfaces (default), orl, celeba or folder
data_dir = None  # CelebA folder (holding img_align_celeba/) or an image folder
n_images = None  # None: all images (synthfaces: 6000)
z_dim = 256  # dimension of the latent space
epochs = 8
batch_size = 64
seed = 0
artifacts_dir = None  # None: <repo>/artifacts (or $LF_ARTIFACTS)
n_null_draws = 4  # null-model draws per statistic
max_points = 20000  # analyse at most this many training z-points (a fixed random sample)

# %%
import numpy as np
import pandas as pd
from myst_nb import glue

from latent_fragments.plots import filaments as filament_plots
from latent_fragments.plots import images as plotting
from latent_fragments.config import RunConfig
from latent_fragments.stats.filaments import (FILAMENT_STATISTICS, compare_with_null, densest_point,
                           filament_statistics, label_carriage, local_dimension, measure_cloud, null_model,
                           radial_outlier_profile, whole_cloud_summary)
from latent_fragments.stats.fragment import Fragment
from latent_fragments.runs import get_run

cfg = RunConfig(dataset=dataset, data_dir=data_dir, n_images=n_images, z_dim=z_dim, epochs=epochs,
                batch_size=batch_size, seed=seed).validated()
rng = np.random.default_rng(seed)
run = get_run(cfg, artifacts_dir)
z_all = np.asarray(run.z_train, dtype=np.float32)
keep = np.sort(rng.choice(len(z_all), min(len(z_all), max_points), replace=False))
z = z_all[keep]
labels = run.labels("train").iloc[keep].reset_index(drop=True)
glue("n_points", f"{len(z):,}", display=False)
glue("n_all", f"{len(z_all):,}", display=False)
glue("n_null", f"{n_null_draws}", display=False)
print(f"run {cfg.run_name()}: {len(z)} of {len(z_all)} training z-points in {z.shape[1]} dimensions")

# %% [markdown]
# The analysis uses {glue:text}`n_points` of the {glue:text}`n_all` training z-points and
# {glue:text}`n_null` null draws of the same size for each statistic.
#
# ## The statistics, data against null
#
# - **Nearest-neighbour distances** for k = 1…20: clumps and filaments put points closer to their
#   neighbours than a smooth distribution of the same covariance does.
# - **Intrinsic dimension** (TwoNN {cite}`facco2017twonn`; Levina–Bickel's maximum-likelihood estimator {cite}`levina2004`):
#   filaments are locally low-dimensional.
# - **Minimum-spanning-tree edge lengths**: filaments and clusters shorten typical edges and lengthen the
#   bridges between them.
# - **Density-based clustering** (HDBSCAN {cite}`campello2013hdbscan`) on the ten leading principal components: number and sizes of
#   clusters.

# %%
result = compare_with_null(z, filament_statistics, n_null_draws=n_null_draws, rng=rng, bias_correction=True,
                           measure=measure_cloud)
effects = pd.DataFrame({
    "data": result["data"],
    "null mean (bias-corrected)": result["null_mean_corrected"],
    "null sd": result["null_std"],
    "relative difference": result["data"] / result["null_mean_corrected"] - 1,
    "effect size z": result["z_score_corrected"],
}, index=list(FILAMENT_STATISTICS))
effects.round(3)

# %% [markdown]
# The figures below show the same comparisons in full, from the same measurements: data in one colour, the
# first null draws in the other.

# %%
data_m, null_ms = result["data_measure"], result["null_measures"][:3]
data_dist, data_idx = data_m.knn_dist, data_m.knn_idx
null_dists = [m.knn_dist for m in null_ms]
filament_plots.plot_knn_distance_curves(data_dist, null_dists);

# %%
filament_plots.plot_local_dimension(local_dimension(None, knn=data_dist),
                                    [local_dimension(None, knn=d) for d in null_dists]);

# %%
filament_plots.plot_mst_edges(data_m.mst_edges, [m.mst_edges for m in null_ms]);

# %%
data_clusters, data_summary = data_m.clusters, data_m.cluster_summary
null_summaries = [m.cluster_summary for m in null_ms]
glue("data_clusters", f"{data_summary['n_clusters']}", display=False)
glue("null_clusters", ", ".join(str(s["n_clusters"]) for s in null_summaries), display=False)
filament_plots.plot_cluster_sizes(data_summary, null_summaries);

# %% [markdown]
# HDBSCAN finds {glue:text}`data_clusters` clusters in the data and {glue:text}`null_clusters` in the null
# draws (each cloud projected onto its own ten leading principal axes).
#
# ## Outliers: the radial profile
#
# Heavier tails than an MND would show as more points far out. The table counts points beyond $t$ standard
# deviations on *any* principal axis, and beyond the Mahalanobis distance with the same tail probability,
# against the MND's expectation.

# %%
frag = Fragment.fit(z)
profile = radial_outlier_profile(z, frag.mean, frag.cov)
by = profile.set_index(["criterion", "threshold"])
glue("out_axis3", f"{100 * by.loc[('any axis', 3.0), 'observed']:.1f} %", display=False)
glue("out_axis3_mnd", f"{100 * by.loc[('any axis', 3.0), 'expected']:.1f} %", display=False)
glue("out_axis5", f"{100 * by.loc[('any axis', 5.0), 'observed']:.2f} %", display=False)
glue("out_axis5_mnd", f"{100 * by.loc[('any axis', 5.0), 'expected']:.4f} %", display=False)
glue("out_maha3", f"{100 * by.loc[('Mahalanobis', 3.0), 'observed']:.1f} %", display=False)
glue("out_maha3_mnd", f"{100 * by.loc[('Mahalanobis', 3.0), 'expected']:.2f} %", display=False)
light_bulk = by.loc[("any axis", 3.0), "observed"] < by.loc[("any axis", 3.0), "expected"] - 3 * by.loc[("any axis", 3.0), "se"]
heavy_far = by.loc[("any axis", 5.0), "observed"] > 3 * by.loc[("any axis", 5.0), "expected"]
glue("tails", ("The bulk has lighter tails than an MND, the far tails much heavier: the outliers are a population "
               "of their own, not the edge of a Gaussian." if light_bulk and heavy_far else
               "The far tails are much heavier than an MND's." if heavy_far else
               "The tails are no heavier than an MND's."), display=False)
filament_plots.plot_radial_profile(profile);
profile.round(4)

# %% [markdown]
# Beyond 3σ on some axis lie {glue:text}`out_axis3` of the points (MND: {glue:text}`out_axis3_mnd`), beyond
# 5σ {glue:text}`out_axis5` (MND: {glue:text}`out_axis5_mnd`); beyond the Mahalanobis distance with the
# 3σ tail probability lie {glue:text}`out_maha3` (MND: {glue:text}`out_maha3_mnd`). {glue:text}`tails`

# %% [markdown]
# ## Looking closer: zoomed projections
#
# If filaments exist, zooming into the densest part of the leading principal plane should show them in the
# data and not in the null. Each row zooms in further (window half-widths of 3, 1 and 0.3 standard
# deviations of PC1), around the densest point of the data's projection.

# %%
scores = frag.to_pca(z, n_components=2)
null_scores = frag.to_pca(null_model(z, len(z), rng), n_components=2)
centre = densest_point(scores, bandwidth=0.2 * frag.sigmas[0])
half_widths = [3 * frag.sigmas[0], 1 * frag.sigmas[0], 0.3 * frag.sigmas[0]]
filament_plots.plot_zoom_planes(scores, null_scores, [centre] * 3, half_widths);

# %% [markdown]
# ## What the small scales carry
#
# Whatever the shape, do nearby z-points share ground truth? For each label, the share of a point's 20
# nearest neighbours that carry the same label is compared with the share expected by chance. The null
# cannot answer this (its points have no labels); chance is its stand-in. For clusters found by HDBSCAN, the
# adjusted mutual information (AMI) between cluster and label is given, against the AMI with shuffled labels.

# %%
carried = label_carriage(data_idx, labels, clusters=data_clusters, rng=rng)
carried.round(3)

# %% [markdown]
# ## The whole cloud
#
# The null comparison needs a k-NN search per null draw, so it runs on a sample of at most `max_points`
# z-points. The neighbour statistics that need no null are also measured on *all* training z-points, from
# one exact search (for 153,000 × 256 z-points about a minute on two cores, see `benchmarks/RESULTS.md`).
# Neighbour distances shrink as the sampling gets denser; the dimension estimates and the label lifts
# should not change much if the sample is representative. {glue:text}`whole_note`

# %%
sample_values = dict(zip(FILAMENT_STATISTICS, result["data"]))
if len(z_all) > len(z):
    whole, whole_carried = whole_cloud_summary(z_all, run.labels("train"))
    keys = ["mean 1-NN distance", "mean 20-NN distance", "TwoNN dimension", "Levina–Bickel dimension"]
    scale = pd.DataFrame({f"sample of {len(z):,}": [sample_values[k] for k in keys],
                          f"all {len(z_all):,}": [whole[k] for k in keys]}, index=keys)
    shared = [name for name in carried.index[:5] if name in whole_carried.index]
    lifts = pd.DataFrame({f"sample of {len(z):,}": carried.loc[shared, "lift"],
                          f"all {len(z_all):,}": whole_carried.loc[shared, "lift"]})
    lifts.index = [f"lift of {name}" for name in shared]
    scale = pd.concat([scale, lifts])
    glue("whole_note", f"Here: TwoNN {sample_values['TwoNN dimension']:.1f} on the sample against "
         f"{whole['TwoNN dimension']:.1f} on all {len(z_all):,} points, Levina–Bickel "
         f"{sample_values['Levina–Bickel dimension']:.1f} against {whole['Levina–Bickel dimension']:.1f}.", display=False)
else:
    scale = pd.DataFrame({f"all {len(z):,}": [sample_values[k] for k in ("TwoNN dimension", "Levina–Bickel dimension")]},
                         index=["TwoNN dimension", "Levina–Bickel dimension"])
    glue("whole_note", f"Here the sample is the whole cloud ({len(z):,} points), so there is nothing more to measure.",
         display=False)
scale.round(3)

# %% [markdown]
# Decoded, the mean z-points of the largest clusters (if any were found) and the points along the densest
# neighbourhood show what a cluster looks like:

# %%
sizes = pd.Series(data_clusters[data_clusters >= 0]).value_counts()
if len(sizes):
    means = np.stack([z[data_clusters == c].mean(axis=0) for c in sizes.index[:12]])
    plotting.image_grid(run.decode(means), n_cols=min(12, len(means)),
                        title=f"Decoded mean z-point of the {min(12, len(sizes))} largest HDBSCAN clusters");
else:
    print("HDBSCAN found no clusters in the data: nothing to decode.")

# %% [markdown]
# ## Verdict
#
# {glue:text}`verdict`

# %%
z_scores = effects["effect size z"]
significant = effects[np.abs(z_scores) > 3]
top_label = carried.index[0] if len(carried) else None
null_cl = np.mean([s["n_clusters"] for s in null_summaries])
parts = []
if len(significant):
    parts.append(
        "At this scale the data differ from the fitted MND in "
        + "; ".join(f"{name} ({row['relative difference']:+.1%}, z = {row['effect size z']:.1f})"
                    for name, row in significant.iterrows())
        + "."
    )
else:
    parts.append("No statistic differs from the fitted MND by more than 3 null standard deviations: "
                 "at this sample size the small-scale structure is that of a multivariate normal.")
lower_dim = ("Levina–Bickel dimension" in significant.index
             and effects.loc["Levina–Bickel dimension", "relative difference"] < -0.05)
closer = ("mean 1-NN distance" in significant.index
          and effects.loc["mean 1-NN distance", "relative difference"] < -0.05)
if lower_dim and closer:
    parts.append(
        f"Points have closer neighbours and the cloud is locally lower-dimensional "
        f"(Levina–Bickel {effects.loc['Levina–Bickel dimension', 'data']:.1f} against "
        f"{effects.loc['Levina–Bickel dimension', 'null mean (bias-corrected)']:.1f} for the null): the z-points lie "
        f"nearer to a curved, lower-dimensional surface than a Gaussian of the same covariance would put them."
    )
parts.append(
    f"HDBSCAN finds {data_summary['n_clusters']} clusters in the data against {null_cl:.1f} on average in the "
    f"null draws, so the cloud {'does not break' if data_summary['n_clusters'] <= max(1, null_cl) else 'breaks'} "
    f"into separate dense pieces."
)
if top_label is not None:
    row = carried.loc[top_label]
    parts.append(
        f"The small scales carry ground truth: the 20 nearest neighbours of a point share its '{top_label}' "
        f"{row['neighbours sharing the label']:.0%} of the time against {row['chance']:.0%} by chance "
        f"(lift {row['lift']:.2f})."
    )
clusters_found = data_summary["n_clusters"] > max(1, null_cl)
parts.append(
    "Verdict: "
    + ("there is small-scale structure that an MND lacks, and it comes as separate clusters: filaments or "
       "fragments in the blog's sense." if clusters_found and len(significant) else
       "there is small-scale structure that an MND lacks, but it is continuous: a thinner, curved arrangement of "
       "points inside one fragment, not separate filaments or clusters that can be isolated."
       if len(significant) else
       "no small-scale structure beyond the MND is detected on this run.")
)
verdict = " ".join(parts)
glue("verdict", verdict, display=False)
print(verdict)
