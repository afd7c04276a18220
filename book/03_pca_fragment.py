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

# %%
import dataclasses

import numpy as np
import pandas as pd
from myst_nb import glue

from latent_fragments.plots import fragment as fragment_plots
from latent_fragments.plots import images as plotting
from latent_fragments.config import RunConfig
from latent_fragments.stats.fragment import Fragment, core_normality, normality_by_component, origin_position, pc_label_association
from latent_fragments.stats.generators import (GaussianMixtureGenerator, MultivariateNormal, TruncatedNormal, UniformEllipsoid,
                            matched_generators)
from latent_fragments.stats.quality import inside_ellipsoid_share, quality_table
from latent_fragments.runs import get_run

cfg = RunConfig(dataset=dataset, data_dir=data_dir, n_images=n_images, z_dim=z_dim, epochs=epochs,
                batch_size=batch_size, seed=seed).validated()
rng = np.random.default_rng(seed)
run = get_run(cfg, artifacts_dir)
z_train, z_test = np.asarray(run.z_train, dtype=np.float64), np.asarray(run.z_test, dtype=np.float64)
N = cfg.z_dim
frag = Fragment.fit(z_train)
glue("N", f"{N}", display=False)
glue("n_train", f"{len(z_train):,}", display=False)
print(f"run {cfg.run_name()}: PCA of {len(z_train)} training z-points in {N} dimensions")

# %% [markdown]
# ## The shape of the fragment
#
# The PCA rotates the latent space onto the principal axes of the training z-points, sorted by variance.
# {glue:text}`n90` of the {glue:text}`N` axes carry 90 % of the variance, {glue:text}`n95` carry 95 % and
# {glue:text}`n99` carry 99 %. The largest standard deviation along an axis is {glue:text}`sigma_max`, the
# median {glue:text}`sigma_median`: the cloud is an elongated ellipsoid, extended along a few main axes as
# the blog found, and flat in most directions. The renderer behind `synthfaces` has about forty factors, many
# of them small, so a low-dimensional fragment is what it can produce; real photos (chapter 2's ORL check,
# or CelebA) may need more axes.

# %%
for frac in (0.90, 0.95, 0.99):
    glue(f"n{round(100 * frac)}", f"{frag.n_components_for(frac)}", display=False)
glue("sigma_max", f"{frag.sigmas[0]:.2f}", display=False)
glue("sigma_median", f"{np.median(frag.sigmas):.2f}", display=False)
fragment_plots.plot_spectrum(frag);

# %%
fragment_plots.plot_sigma_extent(frag, z_train);

# %% [markdown]
# ## Where the origin lies
#
# The blog describes the fragment's centre as lying some distance from the origin, with the origin close to
# the border of the region. Two ways to measure "close" give different answers here. In plain Euclidean
# terms the centre is {glue:text}`origin_eucl` from the origin, {glue:text}`origin_ratio` times the mean
# distance of the points from their centre: seen from the centre, the origin lies inside the typical radius
# of the cloud. In the fragment's own units (Mahalanobis distance, standard deviations along the principal
# axes), the origin lies at {glue:text}`origin_maha`, while the median training point lies at
# {glue:text}`median_maha`; {glue:text}`share_closer` of the training points are closer to the centre than
# the origin (an exact MND would put {glue:text}`share_closer_mnd` there). {glue:text}`origin_verdict`

# %%
where = origin_position(frag, z_train)
glue("origin_maha", f"{where['origin_mahalanobis']:.1f}", display=False)
glue("median_maha", f"{where['median_point_mahalanobis']:.1f}", display=False)
glue("share_closer", f"{100 * where['share_closer_than_origin']:.1f} %", display=False)
glue("share_closer_mnd", f"{100 * where['share_closer_mnd']:.1f} %", display=False)
glue("origin_eucl", f"{where['origin_euclidean']:.2f}", display=False)
glue("origin_ratio", f"{where['origin_radius_ratio']:.2f}", display=False)
thin_axes = int(np.sum(frag.sigmas < 0.1 * frag.sigmas[0]))
glue("origin_verdict", (
    f"The origin is thus far outside the fragment in its own units although it is not far from it in "
    f"Euclidean terms: {thin_axes} of the {N} principal axes have less than a tenth of the largest standard "
    f"deviation, and along such thin axes a small Euclidean offset is many standard deviations. On this run "
    f"the origin is not near the border of the region in the Mahalanobis sense, unlike the blog's description."
    if where["origin_mahalanobis"] > 2 * where["median_point_mahalanobis"] else
    "As in the blog, the origin lies near the border of the region: about as far from the centre as the "
    "outer training points."), display=False)
pd.Series(where).round(3)

# %% [markdown]
# ## Is the fragment a multivariate normal?
#
# Three checks, from one dimension to many. **Per principal component**, Shapiro–Wilk's test on the PCA
# scores rejects normality at the 1 % level for {glue:text}`share_sw` of the components
# ({glue:text}`share_sw_lead` of the first ten). With {glue:text}`n_train` points the test detects small
# departures; the blog judged "close to Gaussian" from histograms and contour plots, which the Q–Q plots
# below allow here too. The Q–Q plots compare the whitened scores of some
# components with a standard normal: points on the diagonal mean Gaussian.

# %%
scores = frag.to_pca(z_train)
per_pc = normality_by_component(scores, rng=np.random.default_rng(seed))
glue("share_sw", f"{100 * np.mean(per_pc['shapiro_p'] < 0.01):.0f} %", display=False)
glue("share_sw_lead", f"{100 * np.mean(per_pc['shapiro_p'].iloc[:10] < 0.01):.0f} %", display=False)
fragment_plots.plot_qq(frag.whiten(z_train));

# %% [markdown]
# **The core.** Following the blog's follow-up post, remove the outliers: keep the points whose whitened
# scores lie within ±3σ on every principal axis. {glue:text}`core_sentence` **Jointly**, the Henze–Zirkler
# test {cite}`henze1990` on the core's leading {glue:text}`hz_dims` principal components
# ({glue:text}`hz_n` points) gives p = {glue:text}`hz_p`: {glue:text}`hz_verdict` The test is applied to a
# few leading components on purpose: in a few hundred dimensions, with a few thousand points, it has almost
# no power (it accepts even uniform data), so a "pass" in the full space would say nothing. Truncating at 3σ
# also shortens the tails, so on the core the test is approximate, as it was in the blog.

# %%
hz_dims = min(10, N)
core = core_normality(frag, z_train, sigma=3.0, n_components=hz_dims, rng=np.random.default_rng(seed))
glue("core_sentence", (
    f"The core holds {100 * core['core_share']:.1f} % of the training points (the blog: more than 80 %). "
    f"An exact MND would keep {100 * core['core_share_mnd']:.1f} %, because in {N} dimensions some axis is "
    f"likely to exceed 3σ by chance (0.9973^{N}); "
    + ("a larger share here means tails lighter than a Gaussian's on most axes."
       if core["core_share"] > core["core_share_mnd"] + 0.02 else
       "a smaller share here means heavier tails than a Gaussian's." if core["core_share"] < core["core_share_mnd"] - 0.02
       else "the two agree.")), display=False)
glue("hz_dims", f"{int(core['hz_dims'])}", display=False)
glue("hz_n", f"{int(core['hz_n']):,}", display=False)
glue("hz_p", f"{core['hz_p']:.2g}" if core["hz_p"] > 0 else "0 (below double precision)", display=False)
glue("hz_verdict", ("normality is rejected, unlike the blog's CelebA core." if core["hz_p"] < 0.01 else
                    "normality is not rejected at the 1 % level, as in the blog."), display=False)
pd.Series(core).round(4)

# %% [markdown]
# In the leading principal planes the rotated cloud fills axis-aligned ellipses;
# the lines are the 95 % and 99 % confidence ellipses of the fitted MND.

# %%
fragment_plots.plot_principal_planes(scores, variances=frag.variances);

# %% [markdown]
# ## Generating inside the fragment
#
# If the fragment is close to an MND, sampling that MND should give points the decoder turns into faces.
# The generators compared, each drawing as many points as there are held-out images:
#
# - the **MND** with the data's mean and full covariance (sampling it is sampling independent normals in PCA
#   coordinates), and the same **truncated at 2σ and 3σ** per principal axis;
# - **uniform inside the data's 99 % ellipsoid**;
# - a **Gaussian mixture** with 10 components (full covariances), the ex-post density of Ghosh et al.;
# - chapter 2's **uniform cube** and **uniform ball**, matched to the data's mean radius, as contrast.

# %%
k_gmm = 10 if len(z_train) >= 50 * 10 else 2
generators = [
    MultivariateNormal.fit(z_train, name="MND"),
    TruncatedNormal.fit(z_train, max_sigma=2.0),
    TruncatedNormal.fit(z_train, max_sigma=3.0),
    UniformEllipsoid.fit(z_train, level=0.99, name="uniform in 99% ellipsoid"),
    GaussianMixtureGenerator.fit(z_train, k=k_gmm, seed=seed, name=f"Gaussian mixture k={k_gmm}"),
    *[g for g in matched_generators(z_train) if g.kind in ("uniform cube", "uniform ball")],
]
n_gen = len(z_test)
points = {g.name: g.sample(n_gen, rng) for g in generators}
glue("k_gmm", f"{k_gmm}", display=False)
rows, labels = [run.images("test", 12)], ["held-out\nimages"]
for name, z in points.items():
    rows.append(run.decode(z[:12]))
    labels.append(name.replace(" ", "\n", 1))
plotting.image_rows(rows, labels, title="Held-out images and decoded points of each generator");

# %% [markdown]
# ## Paths through the fragment
#
# A straight line between the z-points of two held-out images stays inside the fragment if the fragment is
# convex, and its decoded frames should morph one face into the other. A path along a principal axis, from
# −3σ to +3σ through the centre, shows what that axis changes.

# %%
t = np.linspace(0.0, 1.0, 10)[:, None]
line = (1 - t) * z_test[0] + t * z_test[1]
axis_paths = []
for axis in range(3):
    steps = np.zeros((10, N))
    steps[:, axis] = np.linspace(-3, 3, 10) * frag.sigmas[axis]
    axis_paths.append(frag.from_pca(steps))
plotting.image_rows(
    [run.decode(line)] + [run.decode(p) for p in axis_paths],
    ["held-out A\nto B", "PC1\n−3σ…+3σ", "PC2\n−3σ…+3σ", "PC3\n−3σ…+3σ"],
    title="Decoded paths: a straight line between two z-points, and paths along the first three principal axes",
);

# %% [markdown]
# ## A measured quality figure for every generator
#
# Judging decoded images by eye is not enough. Each set of images is compared with held-out real images in
# the feature space of an **independent encoder**: a second AE of another seed and width, trained once on
# the same training images (Inception weights, the usual choice, cannot be downloaded here). The measures:
#
# - the **Fréchet distance** {cite}`heusel2017fid` between Gaussians fitted to the two feature clouds,
#   $\mathrm{FD} = \lVert\mu_r-\mu_g\rVert^2 + \operatorname{Tr}\big(\Sigma_r+\Sigma_g-2(\Sigma_r\Sigma_g)^{1/2}\big)$
#   (lower is better);
# - **precision** {cite}`kynkaanniemi2019` (share of generated images inside the k-nearest-neighbour manifold of real ones) and
#   **recall** (share of real images inside the manifold of generated ones), k = 3 (higher is better);
# - the share of generated images whose **re-encoding** by the book's own encoder falls back inside the
#   data's 99 % ellipsoid.
#
# Reconstructions of held-out images give the ceiling (the best a decoder can do); cube points the floor.

# %%
feature_cfg = dataclasses.replace(cfg, seed=seed + 1, filters=(16, 32, 64, 64), z_dim=min(64, N),
                                  epochs=max(1, epochs // 2)).validated()
feature_run = get_run(feature_cfg, artifacts_dir)
real_test = run.images("test")
real_train = run.images("train", n_gen)
image_sets = {"held-out reconstructions (ceiling)": run.reconstruct(real_test),
              "training images (reference)": real_train}
image_sets.update({name: run.decode(z) for name, z in points.items()})
table = quality_table(feature_run.encode(real_test),
                      {name: feature_run.encode(imgs) for name, imgs in image_sets.items()}, k=3)
mean, cov = z_train.mean(axis=0), np.cov(z_train, rowvar=False)
table["re-encoded inside 99% ellipsoid"] = [inside_ellipsoid_share(run.encode(imgs), mean, cov, level=0.99)
                                            for imgs in image_sets.values()]
table = table.drop(columns=["n_real", "n_fake"]).sort_values("FD")
table.round(3)

# %% [markdown]
# {glue:text}`ranking`

# %%
generated = table.drop(index=["held-out reconstructions (ceiling)", "training images (reference)"])
order = list(generated.index)
cube_name = next(name for name in points if name.startswith("uniform cube"))
best = order[0]
ahead = [name for name in ("MND", f"Gaussian mixture k={k_gmm}") if table.loc[name, "FD"] < table.loc[cube_name, "FD"]]
ranking = (
    f"Ranked by Fréchet distance (lower is better), the generators come in this order: "
    + ", ".join(f"{name} ({table.loc[name, 'FD']:.1f})" for name in order)
    + f". Real training images score {table.loc['training images (reference)', 'FD']:.1f} and reconstructions of "
    f"held-out images {table.loc['held-out reconstructions (ceiling)', 'FD']:.1f}. The best generator, {best}, reaches "
    f"precision {table.loc[best, 'precision']:.2f} and recall {table.loc[best, 'recall']:.2f}; the cube reaches "
    f"{table.loc[cube_name, 'precision']:.2f} and {table.loc[cube_name, 'recall']:.2f}. "
    + (f"{' and '.join(ahead)} {'are' if len(ahead) > 1 else 'is'} clearly ahead of the cube, as the blog and Ghosh et al. report."
       if len(ahead) == 2 else
       "Not both density models beat the cube on this run; see the table for the numbers.")
)
glue("ranking", ranking, display=False)
print(ranking)

# %% [markdown]
# ## What the principal axes carry
#
# The data's ground truth says what the leading axes encode. The table gives, for each label and each of
# the first ten principal components, the absolute correlation of the label with the PC score (for
# categorical labels such as a hair style or a person's identity: the correlation ratio η). For
# `synthfaces` the labels are the renderer's factors; for CelebA its 40 attributes; for ORL the identity.

# %%
association = pc_label_association(scores, run.labels("train"), n_pcs=10)
top_labels = association.max(axis=1).sort_values(ascending=False).index[:15]
glue("pc1_label", association["PC1"].idxmax(), display=False)
glue("pc1_value", f"{association['PC1'].max():.2f}", display=False)
association.loc[top_labels].style.format("{:.2f}").background_gradient(cmap="Blues", vmin=0, vmax=1)

# %% [markdown]
# The first principal axis goes most strongly with the label {glue:text}`pc1_label` (|r| or η =
# {glue:text}`pc1_value`). Chapter 4 asks whether anything beyond this smooth ellipsoid, clusters or
# filaments at small scales, carries further information.
