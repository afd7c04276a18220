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

# %% tags=["parameters"]
dataset = "synthfaces"  # synthfaces (default), orl, celeba or folder
data_dir = None  # CelebA folder (holding img_align_celeba/) or an image folder
n_images = None  # None: all images (synthfaces: 6000)
z_dim = 256  # dimension of the latent space
epochs = 8
batch_size = 64
seed = 0
artifacts_dir = None  # None: <repo>/artifacts (or $LF_ARTIFACTS)

# %% tags=["hide-input"]
import numpy as np
import pandas as pd

from latent_fragments import provenance
from latent_fragments.config import RunConfig
from latent_fragments.pages import Numbers
from latent_fragments.pages import explorer
from latent_fragments.pages import pca_fragment as numbers
from latent_fragments.pages.component_distributions import cloud_numbers
from latent_fragments.plots import explorer as explorer_plots
from latent_fragments.plots import fragment as fragment_plots
from latent_fragments.plots import images as plotting
from latent_fragments.runs import get_run
from latent_fragments.stats import fragment_sentences as say
from latent_fragments.stats.density import mixture_selection
from latent_fragments.stats.features import feature_net_for_run
from latent_fragments.stats.fragment import (
    Fragment, core_normality, normality_by_component, origin_in_subspace,
    origin_position, pc_label_association)
from latent_fragments.stats.generators import (
    MultivariateNormal, TruncatedNormal, UniformBall, UniformCube, UniformEllipsoid,
    matched_generators)
from latent_fragments.stats.quality import (
    inside_ellipsoid_share, memorisation_table, pixel_vectors, quality_table,
    reference_halves)

# %%
cfg = RunConfig(dataset=dataset, data_dir=data_dir, n_images=n_images, z_dim=z_dim,
                epochs=epochs, batch_size=batch_size, seed=seed).with_profile()
rng = np.random.default_rng(seed)
run = get_run(cfg, artifacts_dir)
z_train = np.asarray(run.z_train, dtype=np.float64)
z_test = np.asarray(run.z_test, dtype=np.float64)
N = cfg.z_dim
frag = Fragment.fit(z_train)

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
origin_axes.head(10).round(2)

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
pd.Series(core).round(4)

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
selection.round(1)

# %% tags=["remove-input"]
Numbers({"mixture_sentence": say.mixture_sentence(selection)}).glue()

# %% [markdown]
# ## Generating inside the fragment
#
# If the fragment is close to an MND, sampling that MND should give points the decoder turns into faces.
# The generators compared, each drawing as many points as half the held-out images:
#
# - the **MND** with the data's mean and full covariance (sampling it is sampling independent normals in PCA
#   coordinates), and the same **truncated at 2σ and 3σ** per principal axis;
# - **uniform inside the data's 99 % ellipsoid**;
# - the **Gaussian mixture** with k = 10 of Ghosh et al., and the one of the best held-out likelihood if
#   that is another k > 1;
# - chapter 2's **uniform cube** and **uniform ball**, matched to the data's mean radius, as contrast.

# %% tags=["hide-input"]
mixture_names = [mixtures[10].label]
if best_k not in (1, 10):
    mixture_names.append(mixtures[best_k].label)
generators = [
    MultivariateNormal.fit(z_train, name="MND"),
    TruncatedNormal.fit(z_train, max_sigma=2.0),
    TruncatedNormal.fit(z_train, max_sigma=3.0),
    UniformEllipsoid.fit(z_train, level=0.99, name="uniform in 99% ellipsoid"),
    *[m for m in mixtures.values() if m.label in mixture_names],
    *[g for g in matched_generators(z_train)
      if isinstance(g, (UniformCube, UniformBall))],
]
cube_name = next(g.label for g in generators if isinstance(g, UniformCube))
points = {g.label: g.sample(len(real_idx), rng) for g in generators}

# %% mystnb={"image": {"alt": "Rows of twelve images: held-out faces, then decoded points of each generator"}}
rows, labels = [run.images("test", 12)], ["held-out\nimages"]
for name, z in points.items():
    rows.append(run.decode(z[:12]))
    labels.append(name.replace(" ", "\n", 1))
title = "Held-out images and decoded points of each generator"
plotting.image_rows(rows, labels, title=title);

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
# feature space of a **scoring network**: a small convolutional network trained on the training images only,
# with supervision, to predict the data's ground truth (for `synthfaces` the renderer's factors, for CelebA
# its attributes, for ORL the person). Its features are the spatially averaged activations of its three
# convolutions and its last hidden layer. It never sees a held-out image, and Inception weights, the usual
# choice, cannot be downloaded here. The held-out images are split into two disjoint halves: generated images
# are compared with the first half, and the second half, scored the same way, gives the value of real images.
# The measures, each with a 90 % bootstrap interval:
#
# - the **Fréchet distance** {cite}`heusel2017fid` between Gaussians fitted to the two feature clouds,
#   $\mathrm{FD} = \lVert\mu_r-\mu_g\rVert^2 + \operatorname{Tr}\big(\Sigma_r+\Sigma_g-2(\Sigma_r\Sigma_g)^{1/2}\big)$
#   (lower is better; the estimate is biased upwards by the finite samples, and its bootstrap interval is
#   corrected for that bias, so it can lie below the estimate);
# - the **kernel inception distance** (KID) of Bińkowski et al. {cite}`binkowski2018kid`, an unbiased estimate of the squared maximum
#   mean discrepancy with a cubic polynomial kernel (0 for equal distributions, lower is better);
# - **precision** {cite}`kynkaanniemi2019` (share of generated images inside the k-nearest-neighbour manifold
#   of real ones) and **recall** (share of real images inside the manifold of generated ones), k = 3;
# - the share of generated images whose **re-encoding** by the book's own encoder falls back inside the
#   data's 99 % ellipsoid.
#
# {glue:text}`feature_sentence`

# %% tags=["hide-input"]
net = feature_net_for_run(run, seed=seed, log=print)
real_test = run.images("test")
real_name = "held-out images (other half)"
image_sets = {real_name: real_test[real_idx],
              "held-out reconstructions": run.reconstruct(real_test[real_idx])}
image_sets.update({name: run.decode(z) for name, z in points.items()})
features = {name: net.features(imgs) for name, imgs in image_sets.items()}
reference = net.features(real_test[reference_idx])
table = quality_table(reference, features, k=3, n_boot=n_boot, seed=seed)
table["re-encoded inside 99%"] = [
    inside_ellipsoid_share(run.encode(imgs), frag.mean, frag.cov, level=0.99)
    for imgs in image_sets.values()]

# %% mystnb={"image": {"alt": "Frechet distance, KID, precision and recall with bootstrap intervals for real images and each generator"}}
kinds = {real_name: "held_out", "held-out reconstructions": "reconstruction",
         **{g.label: g.kind for g in generators}}
fragment_plots.plot_quality(table.sort_values("FD"), kinds, reference=real_name);

# %%
# the bootstrap intervals are in the figure above
columns = ["FD", "KID", "precision", "recall", "re-encoded inside 99%"]
table[columns].sort_values("FD").round(3)

# %% [markdown]
# {glue:text}`ranking` {glue:text}`mixture_samples`

# %% tags=["remove-input"]
numbers.quality_numbers(table, list(points), cube_name, ["MND", *mixture_names],
                        mixture_names, real_name).glue()

# %% [markdown]
# **Memorisation.** A generator could score well by reproducing training images. For each image, the
# Euclidean distance to its nearest training image (on 24×24 thumbnails, pixel values in [0, 1]) is compared
# with that of held-out images, which the autoencoder never saw. {glue:text}`memorisation_sentence`

# %% tags=["hide-input"]
generated = {name: pixel_vectors(imgs) for name, imgs in image_sets.items()
             if name != real_name}
training = pixel_vectors(run.faces.images, indices=run.train_idx)
held_out = pixel_vectors(real_test[real_idx])
memorisation = memorisation_table(training, held_out, generated)
memorisation.round(3)

# %% tags=["remove-input"]
sentence = say.memorisation_sentence(memorisation, "held-out reconstructions")
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
top_labels = association.max(axis=1).sort_values(ascending=False).index[:15]
(association.loc[top_labels].style.format("{:.2f}")
 .background_gradient(cmap="Blues", vmin=0, vmax=1))

# %% tags=["remove-input"]
numbers.association_numbers(association).glue()

# %% [markdown]
# The first principal axis goes most strongly with the label {glue:text}`pc1_label` (|r| or η =
# {glue:text}`pc1_value`). Chapter 4 asks whether anything beyond this smooth ellipsoid, clusters or
# filaments at small scales, carries further information.

# %% [markdown]
# ## Explore the fragment
#
# The two figures below are interactive, and work in this page as they do in a live notebook: everything
# they show was computed when the chapter ran and is embedded in the page, with the plotting library's
# own code (Bokeh), so they need neither a kernel nor a network. The first shows the training z-points in a
# principal plane; choose another pair among the first six axes, or another ground-truth label for the
# colour (the labels most strongly associated with the leading axes, as in the table above). Hovering over
# one of the ringed points, a fixed random subsample, shows its training image beside its reconstruction.

# %% tags=["remove-input"]
explorer_plots.load_bokeh()

# %% mystnb={"image": {"alt": "Interactive scatter plot of the training z-points in a principal plane, coloured by a ground-truth label"}}
view = explorer.fragment_view(run, frag, z_train, association,
                              n_hover=200, seed=seed)
explorer_plots.fragment_explorer(view)

# %% [markdown]
# **Walk the axes.** One slider for each of the first five principal axes moves a point from −3σ to +3σ
# along that axis alone, through the centre, and shows its decoded image; two more move it over the plane
# of the first two axes. The last slider runs through samples of four of the generators above (the MND,
# the mixture, uniform in the ellipsoid, the cube), side by side, ordered from the centre outwards by
# their Mahalanobis distance: where the decoded images stop looking like faces. A printed page shows the
# axis paths as a still image instead.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Sliders over decoded faces along the first five principal axes, on the plane of the first two, and through each generator's samples"}}
shown = explorer.walk_generators(generators)
samples = {g.label: (g.kind, points[g.label], image_sets[g.label]) for g in shown}
walk = explorer.axis_walk(run, frag, samples)
explorer_plots.axis_walk(walk)

# %% tags=["remove-cell"]
# Checked by nbval: the explorer's subsample is capped and every axis has its 13 frames.
assert len(view.hover_rows) == min(200, len(z_train)) and view.scores.shape[1] == min(6, N)
assert [frames.n for frames in walk.axes] == [13] * min(5, N)
