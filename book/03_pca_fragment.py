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
# # 3. The latent fragment: PCA, normality, and generation inside it
#
# Chapter 2 showed that the z-points occupy a small, correlated region that uniform cubes and balls miss.
# Parts VI–X of the blog series and a follow-up post {cite}`moenchmeyer2023part9,moenchmeyer2023mnd` describe that region for CelebA: **one compact,
# coherent, off-centre fragment**, which a principal component analysis (PCA) shows to be close to a
# multivariate normal distribution (MND); a dense core of more than 80 % of the points passes Shapiro–Wilk
# and Henze–Zirkler tests once outliers beyond 3σ are removed; and points sampled from the MND, i.e. inside
# that ellipsoid, decode to images with clear face features. Ghosh et al. {cite}`ghosh2020` (*From Variational to
# Deterministic Autoencoders*) make the same move for plain AEs, *ex-post density estimation*, and find a
# 10-component Gaussian mixture better than a single Gaussian.
#
# This chapter measures the fragment of this run, tests the MND claim, and ranks generators by numbers.
# **In short, for this run** (the sections below show how): {glue:text}`shape_sentence`

# %% tags=["parameters"]
dataset = "synthfaces"  # the default; every data set: latent_fragments.data.DATASETS
data_dir = None  # CelebA folder (holding img_align_celeba/) or an image folder
n_images = None  # None: all images (synthfaces: 6000)
z_dim = 256  # dimension of the latent space
epochs = 8
batch_size = 64
precision = "float32"  # or "mixed_bfloat16" (mixed precision, for GPUs)
seed = 0
artifacts_dir = None  # None: <repo>/artifacts (or $LF_ARTIFACTS)

# %%
from latent_fragments.chapter import open_chapter

chapter = open_chapter(dataset=dataset, data_dir=data_dir, n_images=n_images,
                       z_dim=z_dim, epochs=epochs, batch_size=batch_size, seed=seed,
                       precision=precision, artifacts_dir=artifacts_dir)
cfg, run, rng = chapter.cfg, chapter.run, chapter.rng
z_train, z_test = chapter.z_train, chapter.z_test

# %% tags=["hide-input"]
import numpy as np
import pandas as pd

from latent_fragments import provenance
from latent_fragments.findings_store import record_findings
from latent_fragments.pages import Numbers
from latent_fragments.pages import explorer
from latent_fragments.pages import pca_fragment as numbers
from latent_fragments.pages.findings import VERDICTS, run_settings
from latent_fragments.pages.component_distributions import cloud_numbers
from latent_fragments.plots import explorer as explorer_plots
from latent_fragments.plots import fragment as fragment_plots
from latent_fragments.plots import images as plotting
from latent_fragments.stats.density import mixture_selection
from latent_fragments.stats.features import feature_net_for_run
from latent_fragments.stats.fragment import (
    core_normality, normality_by_component, origin_in_subspace,
    origin_position, pc_label_association, variance_axes_interval)
from latent_fragments.stats.gaussian import Gaussian
from latent_fragments.stats.generators import (FragmentFit, fragment_generators,
                                               generator_kind)
from latent_fragments.stats.quality import (
    inside_ellipsoid_share, memorisation_table, pixel_vectors, quality_table,
    reference_halves)

# %%
N = cfg.z_dim
frag = Gaussian.fit(z_train)

# %% tags=["remove-input"]
cloud_numbers(len(z_train), len(z_test), N).glue()
provenance.run_box(run)

# %% tags=["remove-cell"]
# Checked by nbval: the same on every machine.
assert z_train.shape[1] == z_test.shape[1] == N and frag.mean.shape == (N,)
assert frag.sigmas.shape == (N,) and np.all(np.diff(frag.sigmas) <= 1e-12)

# %% [markdown]
# ## The shape of the fragment
#
# The PCA rotates the latent space onto the principal axes of the training z-points, sorted by variance.
# {glue:text}`n95` axes carry 95 % of the variance and {glue:text}`n99` carry 99 %. {glue:text}`shape_sentence`
# The renderer behind `synthfaces` has about forty factors, many of them small, so a low-dimensional fragment
# is what it can produce; real photos (chapter 2's ORL check, or CelebA) may need more axes.

# %% tags=["remove-input"]
numbers.shape_numbers(frag).glue()

# %% mystnb={"image": {"alt": "The variance spectrum of the principal axes and its cumulative share"}}
fragment_plots.plot_spectrum(frag);

# %% mystnb={"image": {"alt": "The standard deviation of each principal axis against the extent of the training points along it"}}
fragment_plots.plot_sigma_extent(frag, z_train);

# %% [markdown]
# ## Where the origin lies
#
# The blog describes the fragment's centre as lying some distance from the origin, with the origin close to
# the border of the region. {glue:text}`origin_euclidean` In the fragment's own units (Mahalanobis distance,
# standard deviations along the principal axes) the answer depends on which axes count.
# {glue:text}`origin_subspace` {glue:text}`origin_full` The table gives the origin's coordinate on each
# leading axis in that axis's standard deviations, with its 90 % bootstrap interval, and the share of
# training points farther out on that axis.

# %% tags=["hide-input"]
where = origin_position(frag, z_train)
n_boot = 100 if cfg.profile == "full" else 20
origin_summary, origin_axes = origin_in_subspace(
    z_train, n_axes=frag.n_components_for(0.90), n_boot=n_boot,
    rng=np.random.default_rng(seed))
numbers.origin_table(origin_axes)

# %% tags=["remove-input"]
numbers.origin_numbers(frag, where, origin_summary).glue()

# %% [markdown]
# ## Is the fragment a multivariate normal?
#
# Three checks, from one dimension to many. **Per principal component**, Shapiro–Wilk's test on the PCA
# scores rejects normality at the 1 % level for {glue:text}`share_sw` of the components
# ({glue:text}`share_sw_lead` of the first ten). With {glue:text}`n_train` points the test detects small
# departures; the blog judged "close to Gaussian" from histograms and contour plots, which the Q–Q plots
# below allow here too. The Q–Q plots compare the whitened scores of some
# components with a standard normal: points on the diagonal mean Gaussian.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Q-Q plots of whitened principal component scores against a standard normal"}}
scores = frag.to_pca(z_train)
per_pc = normality_by_component(scores, rng=np.random.default_rng(seed))
fragment_plots.plot_qq(frag.whiten(z_train));

# %% tags=["remove-input"]
numbers.normality_numbers(per_pc).glue()

# %% [markdown]
# **The core.** Following the blog's follow-up post, remove the outliers: keep the points whose whitened
# scores lie within ±3σ on every principal axis. {glue:text}`core_sentence` **Jointly**, the Henze–Zirkler
# test {cite}`henze1990` on the core's leading {glue:text}`hz_dims` principal components
# ({glue:text}`hz_n` points) gives p = {glue:text}`hz_p`: {glue:text}`hz_verdict` The test is applied to a
# few leading components on purpose: in a few hundred dimensions, with a few thousand points, it has almost
# no power (it accepts even uniform data), so a "pass" in the full space would say nothing. Truncating at 3σ
# also shortens the tails, so on the core the test is approximate, as it was in the blog.

# %% tags=["hide-input"]
core = core_normality(frag, z_train, sigma=3.0, n_components=min(10, N),
                      rng=np.random.default_rng(seed))
numbers.core_table(core)

# %% tags=["remove-input"]
numbers.core_numbers(core, N).glue()

# %% [markdown]
# The leading principal planes: in PCA coordinates the covariance is diagonal by construction, so the
# confidence ellipses of the fitted MND (95 % and 99 %) are axis-aligned for any cloud. What the planes can
# show is whether the points fill those ellipses the way a normal cloud would, without holes or clusters.

# %% mystnb={"image": {"alt": "Scatter plots of the leading principal planes with the 95 and 99 percent ellipses of the fitted normal"}}
fragment_plots.plot_principal_planes(scores, variances=frag.variances);

# %% [markdown]
# ## One Gaussian or a mixture?
#
# Ghosh et al. {cite}`ghosh2020` fit a 10-component Gaussian mixture to a plain AE's z-points and sample it.
# Whether a mixture describes the fragment better than one Gaussian is a question of held-out likelihood:
# mixtures of k full-covariance components are fitted to the training z-points and scored on held-out ones
# (k = 1 is the single MND): on the half of the held-out images that is *not* the reference set of the
# quality measures below, so that choosing k does not use the reference. {glue:text}`mixture_sentence`

# %% tags=["hide-input"]
# the quality reference set (reference_idx) stays unused here
reference_idx, real_idx = reference_halves(len(z_test), seed)
selection, mixtures = mixture_selection(z_train, z_test[real_idx], ks=(1, 2, 4, 10),
                                        seed=seed)
best_k = int(selection["held_out_loglik"].idxmax())
numbers.mixture_table(selection)

# %% tags=["remove-input"]
Numbers({"mixture_sentence": numbers.mixture_sentence(selection)}).glue()

# %% [markdown]
# ## Generating inside the fragment
#
# If the fragment is close to an MND, sampling that MND should give points the decoder turns into faces.
# The generators compared, each drawing as many points as half the held-out images:
#
# - chapter 2's **uniform cube** and **uniform ball**, matched to the data's mean radius, as contrast;
# - the **MND** with the data's mean and full covariance (sampling it is sampling independent normals in PCA
#   coordinates), and the same **truncated at 2σ and 3σ** per principal axis;
# - **uniform inside the data's 99 % ellipsoid**;
# - the **Gaussian mixture** with k = 10 of Ghosh et al., and the one of the best held-out likelihood if
#   that is another k > 1.
#
# Each family of generators is declared once in the package (`GENERATOR_KINDS`, with its colour); tables
# below are keyed by each generator's stable key, and show its label.

# %% tags=["hide-input"]
generators = fragment_generators(FragmentFit(z_train, mixtures, best_k))
labels = {"held_out": "held-out images (other half)",
          "reconstruction": "held-out reconstructions",
          **{g.key: g.label for g in generators}}
mixture_keys = [g.key for g in generators if g.kind == "gmm"]
density_keys = [g.key for g in generators if generator_kind(g.kind).density]
points = {g.key: g.sample(len(real_idx), rng) for g in generators}

# %% mystnb={"image": {"alt": "Rows of twelve images: held-out faces, then decoded points of each generator"}}
rows, row_labels = [run.images("test", 12)], ["held-out\nimages"]
for key, z in points.items():
    rows.append(run.decode(z[:12]))
    row_labels.append(labels[key].replace(" ", "\n", 1))
title = "Held-out images and decoded points of each generator"
plotting.image_rows(rows, row_labels, title=title);

# %% [markdown]
# ## Paths through the fragment
#
# A straight line between the z-points of two held-out images, and its decoded frames; and paths along the
# first three principal axes, from −3σ to +3σ through the centre, which show what each axis changes.
# {glue:text}`path_sentence`

# %% mystnb={"image": {"alt": "Decoded frames of a straight line between two held-out z-points and of paths along the first three principal axes"}}
t = np.linspace(0.0, 1.0, 11)[:, None]
line = (1 - t) * z_test[0] + t * z_test[1]
axis_paths = []
for axis in range(3):
    steps = np.zeros((10, N))
    steps[:, axis] = np.linspace(-3, 3, 10) * frag.sigmas[axis]
    axis_paths.append(frag.from_pca(steps))
plotting.image_rows(
    [run.decode(line)] + [run.decode(p) for p in axis_paths],
    ["held-out A\nto B", "PC1\n−3σ…+3σ", "PC2\n−3σ…+3σ", "PC3\n−3σ…+3σ"],
    title="Decoded paths: a line between two z-points, and along the first three axes",
);

# %% tags=["remove-input"]
numbers.path_numbers(frag, line, z_train).glue()

# %% [markdown]
# ## A measured quality figure for every generator
#
# Judging decoded images by eye is not enough. Each set of images is compared with real images in the
# feature space of a **scoring network**: a small convolutional network trained on the training images only.
# {glue:text}`scoring_sentence` Its features are the spatially averaged activations of its three
# convolutions and its last hidden layer. It never sees a held-out image, and Inception weights, the usual
# choice, cannot be downloaded here. The held-out images are split into two disjoint halves: generated images
# are compared with the first half, and the second half, scored the same way, gives the value of real images.
# The measures, each with a 90 % interval whose meaning was checked by simulation at this chapter's sizes
# (`benchmarks/bench_coverage.py`: Gaussian feature clouds with known differences, 200 replicates):
#
# - the **Fréchet distance** {cite}`heusel2017fid` between Gaussians fitted to the two feature clouds,
#   $\mathrm{FD} = \lVert\mu_r-\mu_g\rVert^2 + \operatorname{Tr}\big(\Sigma_r+\Sigma_g-2(\Sigma_r\Sigma_g)^{1/2}\big)$
#   (lower is better). Its plug-in estimate is far too high with a few hundred images in 144 feature
#   dimensions (two samples of one distribution give about 5 instead of 0), so the table shows **FD∞**: the
#   plug-in FD on subsamples of 50 % to 100 % of the images, extrapolated linearly in 1/n to infinitely many
#   images {cite}`chong2020fid`. FD∞ is close to unbiased and can fall below 0. Its interval is FD∞ ± 1.645
#   standard deviations from a parametric bootstrap - two Gaussians moved towards each other until their FD
#   equals the estimate, redrawn at the sets' sizes (the fitted Gaussians themselves lie as far apart as the
#   plug-in says, and gave intervals a third too wide) - and is meant to cover the FD of the two feature
#   distributions' Gaussian fits;
# - the **kernel inception distance** (KID) of Bińkowski et al. {cite}`binkowski2018kid`, an unbiased estimate of the squared maximum
#   mean discrepancy with a cubic polynomial kernel (0 for equal distributions, lower is better). Single
#   estimates scatter around the truth, below 0 too, and the interval (the estimate ± 1.645 standard errors
#   of the U-statistic's first-order terms, the noise of their estimates removed; the bootstrap gave
#   intervals up to a third too wide) is not cut at 0. It is meant to cover the population value;
# - **precision** {cite}`kynkaanniemi2019` (share of generated images inside the k-nearest-neighbour manifold
#   of real ones) and **recall** (share of real images inside the manifold of generated ones), k = 3. Both
#   depend on the sample sizes, so their intervals (the estimate ± 1.645 bootstrap standard deviations) are
#   meant to cover their expected values *at these sizes*, not a size-free truth;
# - a **permutation test** of "these images and real images come from one distribution" on the KID
#   (p-value from the KID of random re-splits of the pooled images): it answers whether a generator can be
#   told from real images at all;
# - the share of generated images whose **re-encoding** by the book's own encoder falls back inside the
#   data's 99 % ellipsoid.
#
# {glue:text}`feature_sentence`

# %% tags=["hide-input"]
net = feature_net_for_run(run, seed=seed, log=print)
real_test = run.images("test")
n_perm = 199 if cfg.profile == "full" else 99
image_sets = {"held_out": real_test[real_idx],
              "reconstruction": run.reconstruct(real_test[real_idx])}
image_sets.update({key: run.decode(z) for key, z in points.items()})
features = {key: net.features(imgs) for key, imgs in image_sets.items()}
reference = net.features(real_test[reference_idx])
table = quality_table(reference, features, k=3, n_boot=n_boot, seed=seed, n_perm=n_perm)
table["re-encoded inside 99%"] = [
    inside_ellipsoid_share(run.encode(imgs), frag.mean, frag.cov, level=0.99)
    for imgs in image_sets.values()]

# %% mystnb={"image": {"alt": "Extrapolated Frechet distance, KID, precision and recall with 90 percent intervals for real images and each generator"}}
kinds = {"held_out": "held_out", "reconstruction": "reconstruction",
         **{g.key: g.kind for g in generators}}
fragment_plots.plot_quality(table.sort_values("FD"), kinds, labels,
                            reference="held_out");

# %%
# the intervals are in the figure above; FD plug-in is the biased plug-in FD,
# p the permutation test's p-value of "same distribution as real images"
numbers.quality_display(table, labels)

# %% [markdown]
# {glue:text}`ranking` {glue:text}`distinguishable` {glue:text}`mixture_samples`

# %% tags=["remove-input"]
numbers.quality_numbers(table, labels, list(points), "cube", density_keys, mixture_keys,
                        "held_out").glue()
numbers.scoring_numbers(net.kind).glue()

# %% [markdown]
# **Memorisation.** A generator could score well by reproducing training images. For each image, the
# Euclidean distance to its nearest training image (on 24×24 thumbnails, pixel values in [0, 1]) is compared
# with that of held-out images, which the autoencoder never saw. {glue:text}`memorisation_sentence`

# %% tags=["hide-input"]
generated = {key: pixel_vectors(imgs) for key, imgs in image_sets.items()
             if key != "held_out"}
training = pixel_vectors(run.faces.images, indices=run.train_idx)
held_out = pixel_vectors(real_test[real_idx])
memorisation = memorisation_table(training, held_out, generated)
numbers.memorisation_display(memorisation, labels)

# %% tags=["remove-input"]
sentence = numbers.memorisation_sentence(memorisation, labels, "reconstruction")
Numbers({"memorisation_sentence": sentence}).glue()

# %% [markdown]
# ## What the principal axes carry
#
# The data's ground truth says what the leading axes encode. The table gives, for each label and each of
# the first ten principal components, the absolute correlation of the label with the PC score (for
# categorical labels such as a hair style or a person's identity: the correlation ratio η). For
# `synthfaces` the labels are the renderer's factors; for CelebA its 40 attributes; for ORL the identity.

# %% tags=["hide-input"]
association = pc_label_association(scores, run.labels("train"), n_pcs=10)
numbers.association_display(association)  # the 15 strongest labels, if any

# %% tags=["remove-input"]
numbers.association_numbers(association).glue()

# %% [markdown]
# {glue:text}`pc1_sentence` Chapter 4 asks whether anything beyond this smooth ellipsoid, clusters or
# filaments at small scales, carries further information.

# %% [markdown]
# ## Explore the fragment
#
# The two figures below are interactive, and work in this page as they do in a live notebook: everything
# they show was computed when the chapter ran and is embedded in the page, with the plotting library's
# own code (Bokeh), so they need neither a kernel nor a network. The first shows the training z-points in a
# principal plane; choose another pair among the first six axes, or another ground-truth label for the
# colour (the labels most strongly associated with the leading axes, as in the table above).
# {glue:text}`explorer_colouring` Hovering over one of the ringed points, a fixed random subsample, shows
# its training image beside its reconstruction.

# %% tags=["remove-input"]
explorer_plots.load_bokeh()

# %% mystnb={"image": {"alt": "Interactive scatter plot of the training z-points in a principal plane, coloured by a ground-truth label"}}
view = explorer.fragment_view(run, frag, z_train, association,
                              n_hover=200, seed=seed)
explorer_plots.fragment_explorer(view)

# %% tags=["remove-input"]
explorer.colouring_numbers(view).glue()

# %% [markdown]
# **Walk the axes.** One slider for each of the first five principal axes moves a point from −3σ to +3σ
# along that axis alone, through the centre, and shows its decoded image; two more move it over the plane
# of the first two axes. The last slider runs through samples of four of the generators above (the MND,
# the mixture, uniform in the ellipsoid, the cube), side by side, ordered from the centre outwards by
# their Mahalanobis distance: where the decoded images stop looking like faces. A printed page shows the
# axis paths as a still image instead.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Sliders over decoded faces along the first five principal axes, on the plane of the first two, and through each generator's samples"}}
shown = explorer.walk_generators(generators)
samples = {g.label: (g.kind, points[g.key], image_sets[g.key]) for g in shown}
walk = explorer.axis_walk(run, frag, samples)
explorer_plots.axis_walk(walk)

# %% tags=["remove-cell"]
# Checked by nbval: the explorer's subsample is capped and every axis has its 13 frames.
assert len(view.hover_rows) == min(200, len(z_train)) and view.scores.shape[1] == min(6, N)
assert [frames.n for frames in walk.axes] == [13] * min(5, N)

# %% tags=["remove-cell"]
# For the findings page (chapter 6): the four claims this chapter decides. Checked by nbval.
n90 = variance_axes_interval(z_train, 0.9, n_boot=n_boot, rng=np.random.default_rng(seed))
claims = numbers.fragment_claims(n90, N, per_pc, len(z_train), core, table, "cube", "held_out")
quality = {key: {column: float(table.loc[key, column]) for column in
                 ("FD", "FD_lo", "FD_hi", "FD_plugin", "KID", "KID_lo", "KID_hi", "precision",
                  "precision_lo", "precision_hi", "recall", "recall_lo", "recall_hi", "p_same")}
           for key in table.index}
record_findings(run.path, "ch3", {"settings": run_settings(cfg, n_boot=n_boot, n_perm=n_perm,
                                                          scoring_network=net.kind),
                                  "claims": claims, "n90": list(n90), "quality": quality,
                                  "labels": labels})
assert set(claims) == {"few_main_axes", "close_to_mnd", "dense_core_mnd", "faces_from_region"}
assert all(claim["verdict"] in VERDICTS and claim["figure"] for claim in claims.values())
assert n90[1] <= n90[0] <= n90[2] and set(table.index) == set(labels)
