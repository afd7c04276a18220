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
# # 2. Number distributions, radii and statistical generators
#
# Chapter 1 decoded random points of a cube and a ball and measured how far they land from the z-points of
# real faces. Parts II–V of the blog series {cite}`moenchmeyer2023part2,moenchmeyer2023part4` explain the blog's misses with plain statistics of the z-points: how the
# values of single latent components are distributed, how long the z-vectors are, how strongly components
# are correlated, and where simple statistical generators put their points. The blog's findings on CelebA,
# which this chapter checks on this run:
#
# - a generator that draws every component independently and uniformly from $[-b, b]$ puts its vectors in a
#   thin spherical shell of radius $\langle R \rangle \approx b\sqrt{N/3}$ ($N$ = `z_dim`);
# - the radii of such vectors match those of the CelebA z-points only for $1.0 < b < 2.0$, best at
#   $b \approx 1.5$, yet decoded they rarely give faces;
# - per-component distributions are close to Gaussian, and components are strongly linearly correlated, so
#   the z-points fill one small, off-centre, ellipsoidal region, with the origin near its border.
#
# **In short, for this run** (the sections below show how): {glue:text}`verdict`

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
compare_dataset = "orl"  # a second data set analysed side by side (None to skip)
compare_epochs = None  # None: 5 x epochs (360 ORL images: few steps per epoch)
compare_batch_size = 32

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
from latent_fragments.chapter import fetch_run
from latent_fragments.config import RunConfig
from latent_fragments.findings_store import record_findings
from latent_fragments.pages import component_distributions as numbers
from latent_fragments.pages.findings import VERDICTS, run_settings
from latent_fragments.plots import components as latent_plots
from latent_fragments.plots import images as plotting
from latent_fragments.plots.style import Cloud
from latent_fragments.stats.components import (component_summary, correlation_order,
                                               cube_hit_probability, generator_report,
                                               latent_overview, radii, strongest_pairs,
                                               volume_ratio_terms)
from latent_fragments.stats.generators import UniformCube, matched_generators
from latent_fragments.stats.regions import PredictiveRegion, nominal_share_inside

# %%
N = cfg.z_dim
region = PredictiveRegion.fit(z_train, seed=seed)

# %% tags=["remove-input"]
numbers.cloud_numbers(len(z_train), len(z_test), N).glue()
provenance.run_box(run)

# %% tags=["remove-cell"]
# Checked by nbval: the same on every machine.
assert z_train.shape[1] == z_test.shape[1] == N
assert len(z_train) + len(z_test) == len(run.faces)

# %% [markdown]
# ## Distributions of single components
#
# Each of the {glue:text}`N` components of the {glue:text}`n_train` training z-points has its own
# distribution of values. The grid shows all of them on one common axis range, one small panel per component.

# %% mystnb={"image": {"alt": "A grid of small histograms, one per latent component, on a common axis"}}
latent_plots.plot_component_grid(z_train);

# %% mystnb={"image": {"alt": "Histograms over the components of their mean, standard deviation, skewness, kurtosis and normality p-value"}}
summary = component_summary(z_train)
latent_plots.plot_summary_histograms(summary);

# %% tags=["remove-input"]
numbers.component_numbers(summary).glue()

# %% [markdown]
# Per component, the means range from {glue:text}`mean_range` and the standard deviations from
# {glue:text}`std_range`; {glue:text}`share_off_centre` of the components have a mean farther than half a
# standard deviation from zero (where the whole cloud's centre lies is measured below). The median absolute
# skewness is {glue:text}`med_abs_skew` and the median excess kurtosis {glue:text}`med_kurt` (both 0 for a
# normal distribution, kurtosis −1.2 for a uniform one). D'Agostino–Pearson's normality test rejects normality at
# the 1 % level for {glue:text}`share_nonnormal` of the components. With {glue:text}`n_train` points per
# component the test detects even small departures from a Gaussian, so this share says how many components
# deviate *measurably*, not how much; the skewness and kurtosis say how much. The summary statistics per
# component:

# %%
numbers.summary_table(summary)

# %% [markdown]
# ## Radii and the thin-shell law
#
# The length $R = \lVert z \rVert$ of a z-point is its distance from the origin. For a point whose $N$
# components are independent and uniform in $[-b, b]$, $R^2$ is a sum of $N$ independent terms with mean
# $b^2/3$ each, so for large $N$
#
# $$ \langle R \rangle \approx b \sqrt{N/3}, \qquad \operatorname{std}(R) \to b/\sqrt{15}, $$
#
# a shell whose radius grows like $\sqrt{N}$ while its thickness stays fixed: in {glue:text}`N` dimensions
# almost no cube point lies near the centre or in the corners. The curve below checks the law against
# {glue:text}`n_shell` points per value of $b$; the largest deviation of the measured mean radius from the
# formula is {glue:text}`shell_max_dev` standard errors.

# %% mystnb={"image": {"alt": "Mean radius of uniform cube points against the half edge b, measured and by the thin-shell formula, with the data's mean radius"}}
r_data = radii(z_train)
b_values = np.linspace(0.25, 3.0, 12)
n_shell = 2000
samples = [radii(UniformCube(N, b).sample(n_shell, rng)) for b in b_values]
means = np.array([s.mean() for s in samples])
stds = np.array([s.std(ddof=1) for s in samples])
latent_plots.plot_shell_law(b_values, N, means, stds,
                            data_mean_radius=float(r_data.mean()));

# %% tags=["remove-input"]
numbers.shell_law_numbers(b_values, N, means, stds, n_shell).glue()

# %% [markdown]
# The training z-points have a mean radius of {glue:text}`mean_radius` (std {glue:text}`std_radius`); a cube
# produces that mean radius for {glue:text}`b_vs_blog` (blog: $b \approx 1.5$ for its CelebA AE with
# $N$ = 256). The scale of an AE's latent space is not fixed by anything in its loss (no prior pulls
# z-points towards a unit scale), so the value of $b$ is a property of this one trained network rather than a
# constant to reproduce. Centred on their own mean, the data's radii shrink to {glue:text}`mean_radius_centred`:
# the centre of the cloud lies {glue:text}`centre_dist` from the origin, {glue:text}`centre_ratio` of the
# cloud's mean radius around its own centre.
#
# Is the origin "close to the region's border", as the blog found? That is judged here, once for the
# whole book, against *new* z-points and in the full latent space: the origin counts as near the border
# when it lies between the borders of the predictive regions that hold 90 % and 99.9 % of new z-points
# (chapter 1's regions, which allow for estimating the normal from the training points), and the held-out
# z-points show how many real faces lie as far out. {glue:text}`centre_sentence`

# %%
centre = z_train.mean(axis=0)
r_centred = radii(z_train, centre)
gens = matched_generators(z_train)
cube = gens[0]

# %% tags=["remove-input"]
numbers.radius_numbers(r_data, r_centred, centre, cube.b, region, z_test).glue()

# %% [markdown]
# ## Correlations between components
#
# If components were independent, a cloud could be described component by component. The correlation
# matrix below is ordered by hierarchical clustering so that groups of correlated components sit together.
# Of all {glue:text}`n_pairs` pairs of components, {glue:text}`share_strong` have $|r| > 0.3$; the
# strongest pair reaches $r$ = {glue:text}`r_max`.

# %% mystnb={"image": {"alt": "The correlation matrix of the latent components, ordered by hierarchical clustering"}}
corr = np.corrcoef(z_train, rowvar=False)
pairs = strongest_pairs(corr, k=10)
latent_plots.plot_correlation_matrix(corr, correlation_order(corr));

# %% tags=["remove-input"]
numbers.correlation_numbers(corr, pairs).glue()

# %%
numbers.pairs_table(pairs)

# %% [markdown]
# The coordinate planes of the three most correlated pairs, with the 95 % and 99 % confidence ellipses of a
# normal distribution fitted to the data, and points of the uniform cube matched to the data's radius drawn
# over them. {glue:text}`tilt`

# %% mystnb={"image": {"alt": "Scatter plots of the three most correlated coordinate planes with confidence ellipses and cube points"}}
top = [(int(i), int(j)) for i, j in pairs[["i", "j"]].to_numpy()[:3]]
cube_cloud = Cloud(cube.kind, cube.label, cube.sample(len(z_test), rng))
latent_plots.plot_coordinate_planes(z_train, top, generators_samples=[cube_cloud],
                                    level=(0.95, 0.99));

# %% [markdown]
# ## Statistical generators against the data
#
# Five generators draw as many points as there are held-out z-points ({glue:text}`n_test`):
#
# - a **uniform cube** with $b$ = {glue:text}`b_match` and a **uniform ball**, both matched to the data's mean
#   radius; an **isotropic normal** around the origin, matched likewise;
# - **independent normals**, each component with the data's mean and standard deviation (correlations
#   ignored);
# - the data's own **multivariate normal** (mean and full covariance), the reference.
#
# The table measures how far each generator's points lie from the data: the median Mahalanobis distance
# $d_M(z) = \sqrt{(z-\mu)^\top \Sigma^{-1} (z-\mu)}$ under the normal distribution fitted to the training
# z-points ({glue:text}`region_covariance`), the shares inside the regions that should hold 95 % and 99 % of
# *new* z-points from that normal (the predictive regions of chapter 1, which allow for the error of
# estimating $\mu$ and $\Sigma$ from {glue:text}`n_train` points), and the median Euclidean distance to the
# nearest training z-point. The first row is the held-out data itself.

# %%
n_reference = min(len(z_train), 5000)
report = generator_report(gens, z_train, z_test, rng, nn_reference_size=n_reference,
                          region=region)
numbers.report_table(report)

# %% tags=["remove-input"]
nominal = nominal_share_inside(z_train, z_test, 0.99)
numbers.generator_numbers(report, cube.b, region, nominal, len(z_test)).glue()

# %% mystnb={"image": {"alt": "Distributions of the radii of the training z-points, centred and not, and of the points of each generator"}}
clouds = [Cloud("data", "training data", r_data),
          Cloud("data_centred", "training data, centred on its mean", r_centred)]
decoded_rows, labels = [run.images("test", 12)], ["held-out\nimages"]
for gen in gens:
    points = gen.sample(len(z_test), rng)
    clouds.append(Cloud(gen.kind, gen.label, radii(points)))
    decoded_rows.append(run.decode(points[:12]))
    labels.append(gen.label.split(" ")[0] + "\n" + " ".join(gen.label.split(" ")[1:2]))
latent_plots.plot_radius_distributions(clouds, log_density=True);

# %% mystnb={"image": {"alt": "Rows of twelve images: held-out faces, then decoded points of each generator"}}
title = "Held-out images and decoded points of each generator"
plotting.image_rows(decoded_rows, labels, title=title);

# %%
ind = next(gen for gen in gens if gen.kind == "independent_normals")
n_div = min(len(z_test), 100)
z_ind = ind.sample(n_div, rng)
decoded_ind = run.decode(z_ind)
recon_held_out = run.reconstruct(run.images("test", n_div))

# %% tags=["remove-input"]
ind_inside = report.set_index("kind").loc["independent_normals", "inside 99% region"]
numbers.independent_normals_numbers(region.gaussian, z_ind, z_test, decoded_ind,
                                    recon_held_out, ind_inside).glue()

# %% [markdown]
# The cube's points lie at a median Mahalanobis distance of {glue:text}`cube_maha` from the data, against
# {glue:text}`test_maha` for held-out z-points (a normal distribution in {glue:text}`N` dimensions puts its
# points at about $\sqrt{N}$ ≈ {glue:text}`expected_maha`); {glue:text}`cube_in99` of cube points fall in the
# data's 99 % region. Independent normals, which know each component's mean and spread but not the
# correlations, reach {glue:text}`ind_in99`; the multivariate normal {glue:text}`mnd_in99`.
# {glue:text}`calibration`
#
# Yet the independent normals' decoded images above look like faces. To see why, compare where they
# lie along the data's leading principal axes, and how much their decoded images differ from one another,
# with held-out faces. {glue:text}`ind_sentence`
#
# ## The curse of dimensionality, in numbers
#
# How likely is it that a uniform cube point lands inside the data's region at all? The volume of the 99 %
# region is a fraction $10^{x}$ of the volume of the cube $[-b, b]^N$ with $b$ = {glue:text}`b_match`, with
# $x$ = {glue:text}`log10_fraction`. This fraction is an upper bound of the probability that a cube point
# falls inside (it is exact when the ellipsoid lies inside the cube). The volume is
# $V_N\,c^{N/2}\sqrt{\det\Sigma}$ for the region's threshold $c$ on $d_M^2$ and the unit ball's volume
# $V_N$, so the data enter only through $\det\Sigma$, the product of the variances along the principal axes.
# {glue:text}`volume_sentence`

# %%
terms = volume_ratio_terms(region, cube.b, 0.99)
mc_n = 100_000
fitted = region.gaussian
p_hit, p_se = cube_hit_probability(fitted.mean, fitted.cov, cube.b, 0.99, mc_n, rng,
                                   threshold=region.threshold(0.99))
pd.Series(terms, name="log10 volume terms").round(2)

# %% tags=["remove-input"]
numbers.volume_numbers(terms, p_hit, p_se, mc_n).glue()

# %% [markdown]
# ## The same analysis on real photos
#
# `synthfaces` is drawn by a program. As a check with real photographs, the table repeats the chapter's key
# figures for a second data set ({glue:text}`compare_name`), trained with the same architecture
# ({glue:text}`compare_epochs` epochs in batches of {glue:text}`compare_batch`, since its 360 training images give few
# steps per epoch; held-out loss {glue:text}`compare_loss`). ORL has only 400 photos of 40 people, so in
# {glue:text}`N` dimensions its covariance is estimated from few more points than dimensions; the row
# "region covariance" says which estimate each data set's region used.

# %%
rows = {cfg.dataset: latent_overview(z_train, z_test, rng)}
if compare_dataset == cfg.dataset:
    compare_dataset = None  # nothing to compare with itself
other = None
if compare_dataset:
    other_epochs = 5 * epochs if compare_epochs is None else compare_epochs
    other_cfg = RunConfig(dataset=compare_dataset, z_dim=z_dim, epochs=other_epochs,
                          batch_size=compare_batch_size, seed=seed).with_profile()
    other = fetch_run(other_cfg, artifacts_dir)  # one line if trained here
    rows[compare_dataset] = latent_overview(np.asarray(other.z_train),
                                            np.asarray(other.z_test), rng)
numbers.overview_table(rows)

# %% tags=["remove-input"]
numbers.compare_numbers(compare_dataset, other).glue()

# %% [markdown]
# ## What this chapter found
#
# {glue:text}`verdict`

# %% tags=["remove-input"]
n_tests = {cfg.dataset: len(z_test)}
if other is not None:
    n_tests[compare_dataset] = len(other.z_test)
numbers.verdict_numbers(rows, cfg.dataset, n_tests).glue()

# %% tags=["remove-cell"]
# For the findings page (chapter 6): the four claims this chapter decides. Checked by nbval.
distance = numbers.centre_distance_interval(region.gaussian, len(z_train))
position = numbers.origin_position(region, z_test)
claims = {
    "cube_shell": numbers.shell_claim(b_values, N, means, stds, n_shell),
    "statistical_points_miss": numbers.miss_claim(report, len(z_test)),
    "offcentre_region": numbers.offcentre_claim(distance, float(r_centred.mean()), terms),
    "origin_near_border": numbers.origin_claim(position),
}
settings = run_settings(cfg, compare_dataset=compare_dataset)
record_findings(run.path, "ch2", numbers.findings_record(
    settings, claims, n_test=len(z_test), region_method=region.method, origin=position,
    centre_distance=list(distance)))
assert all(claim["verdict"] in VERDICTS for claim in claims.values())
assert claims["cube_shell"]["verdict"] == "holds", claims["cube_shell"]  # mathematics
assert position["n_test"] == len(z_test) and position["d_origin"] > 0
