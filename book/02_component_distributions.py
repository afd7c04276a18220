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
# Chapter 1 decoded random points of a cube and a ball and found that they land far from the z-points of
# real faces. Parts II–V of the blog series {cite}`moenchmeyer2023part2,moenchmeyer2023part4` explain why, with plain statistics of the z-points: how the
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

# %% tags=["parameters"]
dataset = "synthfaces"  # synthfaces (default), orl, celeba or folder
data_dir = None  # CelebA folder (holding img_align_celeba/) or an image folder
n_images = None  # None: all images (synthfaces: 6000)
z_dim = 256  # dimension of the latent space
epochs = 8
batch_size = 64
seed = 0
artifacts_dir = None  # None: <repo>/artifacts (or $LF_ARTIFACTS)
compare_dataset = "orl"  # a second data set analysed side by side (None to skip)
compare_epochs = 40  # ORL's 360 training images need more passes than the default data
compare_batch_size = 32

# %%
import dataclasses

import numpy as np
import pandas as pd
from myst_nb import glue

from latent_fragments.plots import components as latent_plots
from latent_fragments.plots import images as plotting
from latent_fragments.config import RunConfig
from latent_fragments.stats.generators import UniformCube, matched_generators, thin_shell_radius
from latent_fragments.stats.components import (component_summary, correlation_order, cube_hit_probability,
                              ellipsoid_cube_volume_fraction, generator_report, latent_overview, radii,
                              strongest_pairs, summarise_components)
from latent_fragments.runs import get_run

cfg = RunConfig(dataset=dataset, data_dir=data_dir, n_images=n_images, z_dim=z_dim, epochs=epochs,
                batch_size=batch_size, seed=seed).validated()
rng = np.random.default_rng(seed)
run = get_run(cfg, artifacts_dir)
z_train, z_test = np.asarray(run.z_train, dtype=np.float64), np.asarray(run.z_test, dtype=np.float64)
N = cfg.z_dim
glue("n_train", f"{len(z_train):,}", display=False)
glue("n_test", f"{len(z_test):,}", display=False)
glue("N", f"{N}", display=False)
print(f"run {cfg.run_name()}: {len(z_train)} training and {len(z_test)} held-out z-points of dimension {N}")

# %% [markdown]
# ## Distributions of single components
#
# Each of the {glue:text}`N` components of the {glue:text}`n_train` training z-points has its own
# distribution of values. The grid shows all of them on one common axis range, one small panel per component.

# %%
latent_plots.plot_component_grid(z_train);

# %%
summary = component_summary(z_train)
overall = summarise_components(summary)
nonnormal = float(np.mean(summary["normality_p"] < 0.01))
glue("share_nonnormal", f"{100 * nonnormal:.0f} %", display=False)
glue("med_abs_skew", f"{np.median(np.abs(summary['skew'])):.2f}", display=False)
glue("med_kurt", f"{np.median(summary['kurtosis']):.2f}", display=False)
glue("mean_range", f"{summary['mean'].min():.2f} to {summary['mean'].max():.2f}", display=False)
glue("std_range", f"{summary['std'].min():.2f} to {summary['std'].max():.2f}", display=False)
off_centre = float(np.mean(np.abs(summary["mean"]) > 0.5 * summary["std"]))
glue("share_off_centre", f"{100 * off_centre:.0f} %", display=False)
latent_plots.plot_summary_histograms(summary);

# %% [markdown]
# Per component, the means range from {glue:text}`mean_range` and the standard deviations from
# {glue:text}`std_range`; {glue:text}`share_off_centre` of the components have a mean farther than half a
# standard deviation from zero, so the cloud is not centred on the origin. The median absolute skewness is
# {glue:text}`med_abs_skew` and the median excess kurtosis {glue:text}`med_kurt` (both 0 for a normal
# distribution, kurtosis −1.2 for a uniform one). D'Agostino–Pearson's normality test rejects normality at
# the 1 % level for {glue:text}`share_nonnormal` of the components. With {glue:text}`n_train` points per
# component the test detects even small departures from a Gaussian, so this share says how many components
# deviate *measurably*, not how much; the skewness and kurtosis say how much. The summary statistics per
# component:

# %%
summary.describe().loc[["mean", "std", "min", "50%", "max"]].round(3)

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

# %%
r_data = radii(z_train)
mean_radius = float(r_data.mean())
b_values = np.linspace(0.25, 3.0, 12)
n_shell = 2000
samples = [np.linalg.norm(UniformCube(N, b).sample(n_shell, rng), axis=1) for b in b_values]
means, stds = np.array([s.mean() for s in samples]), np.array([s.std(ddof=1) for s in samples])
theory = np.array([thin_shell_radius(b, N)[0] for b in b_values])
max_dev = float(np.max(np.abs(means - theory) / (stds / np.sqrt(n_shell))))
glue("n_shell", f"{n_shell:,}", display=False)
glue("shell_max_dev", f"{max_dev:.1f}", display=False)
latent_plots.plot_shell_law(b_values, N, means, stds, data_mean_radius=mean_radius);

# %% [markdown]
# The training z-points have a mean radius of {glue:text}`mean_radius` (std {glue:text}`std_radius`); a cube
# produces that mean radius for $b$ = {glue:text}`b_match`. The blog found $b \approx 1.5$ (range 1.0–2.0)
# for its CelebA AE with $N$ = 256. The scale of an AE's latent space is not fixed by anything in its loss
# (no prior pulls z-points towards a unit scale), so the value of $b$ is a property of this one trained
# network rather than a constant to reproduce; here it is {glue:text}`b_vs_blog`. What carries over is the
# shape of the argument: matching the radius is easy, matching the region is not. Centred on their own mean,
# the data's radii shrink to {glue:text}`mean_radius_centred`: the centre of the cloud lies
# {glue:text}`centre_dist` from the origin, {glue:text}`centre_ratio` of the cloud's mean radius around its
# own centre.

# %%
centre = z_train.mean(axis=0)
r_centred = radii(z_train, centre)
gens = matched_generators(z_train)
b_match = gens[0].b
glue("mean_radius", f"{mean_radius:.2f}", display=False)
glue("std_radius", f"{r_data.std(ddof=1):.2f}", display=False)
glue("b_match", f"{b_match:.2f}", display=False)
glue("b_vs_blog", ("inside the blog's range 1.0–2.0" if 1.0 < b_match < 2.0 else
                   f"{'below' if b_match <= 1.0 else 'above'} the blog's range 1.0–2.0"), display=False)
glue("mean_radius_centred", f"{r_centred.mean():.2f}", display=False)
glue("centre_dist", f"{np.linalg.norm(centre):.2f}", display=False)
glue("centre_ratio", f"{np.linalg.norm(centre) / r_centred.mean():.2f}", display=False)

# %% [markdown]
# ## Correlations between components
#
# If components were independent, a cloud could be described component by component. The correlation
# matrix below is ordered by hierarchical clustering so that groups of correlated components sit together.
# Of all {glue:text}`n_pairs` pairs of components, {glue:text}`share_strong` have $|r| > 0.3$; the
# strongest pair reaches $r$ = {glue:text}`r_max`.

# %%
corr = np.corrcoef(z_train, rowvar=False)
off = corr[np.triu_indices(N, k=1)]
glue("n_pairs", f"{len(off):,}", display=False)
glue("share_strong", f"{100 * np.mean(np.abs(off) > 0.3):.1f} %", display=False)
pairs = strongest_pairs(corr, k=10)
glue("r_max", f"{pairs['r'].iloc[0]:.2f}", display=False)
latent_plots.plot_correlation_matrix(corr, correlation_order(corr));

# %%
pairs.round(3)

# %% [markdown]
# In coordinate planes of strongly correlated pairs the z-points form tilted ellipses (the lines are the
# 95 % and 99 % confidence ellipses of a normal distribution fitted to the data). Points of the uniform cube
# matched to the data's radius are drawn over them.

# %%
top = [(int(i), int(j)) for i, j in pairs[["i", "j"]].to_numpy()[:3]]
cube_points = gens[0].sample(len(z_test), rng)
latent_plots.plot_coordinate_planes(z_train, top, generators_samples={gens[0].name: cube_points}, level=(0.95, 0.99));

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
# $d_M(z) = \sqrt{(z-\mu)^\top \Sigma^{-1} (z-\mu)}$ to the normal distribution fitted to the training
# z-points, the fractions inside its 95 % and 99 % ellipsoids ($d_M^2 \le \chi^2_{N}$ quantile), and the
# median Euclidean distance to the nearest training z-point. The first row is the held-out data itself.

# %%
report = generator_report(gens, z_train, z_test, rng, nn_reference_size=min(len(z_train), 5000))
row = report.set_index("generator")
cube_name, mnd_name, ind_name = gens[0].name, gens[4].name, gens[3].name
glue("cube_in99", f"{100 * row.loc[cube_name, 'inside 99% ellipsoid']:.1f} %", display=False)
glue("ind_in99", f"{100 * row.loc[ind_name, 'inside 99% ellipsoid']:.1f} %", display=False)
glue("mnd_in99", f"{100 * row.loc[mnd_name, 'inside 99% ellipsoid']:.1f} %", display=False)
glue("test_in99", f"{100 * row.loc['held-out data', 'inside 99% ellipsoid']:.1f} %", display=False)
glue("test_in95", f"{100 * row.loc['held-out data', 'inside 95% ellipsoid']:.1f} %", display=False)
glue("cube_maha", f"{row.loc[cube_name, 'median Mahalanobis']:.1f}", display=False)
glue("test_maha", f"{row.loc['held-out data', 'median Mahalanobis']:.1f}", display=False)
glue("expected_maha", f"{np.sqrt(N - 2 / 3):.1f}", display=False)
report.round(3)

# %%
samples_by_name = {"training data": r_data, "training data, centred on its mean": r_centred}
decoded_rows, labels = [run.images("test", 12)], ["held-out\nimages"]
for gen in gens:
    points = gen.sample(len(z_test), rng)
    samples_by_name[gen.name] = radii(points)
    decoded_rows.append(run.decode(points[:12]))
    labels.append(gen.kind.replace(" ", "\n", 1))
latent_plots.plot_radius_distributions(samples_by_name, log_density=True);

# %%
plotting.image_rows(decoded_rows, labels, title="Held-out images and decoded points of each generator");

# %% [markdown]
# The cube's points lie at a median Mahalanobis distance of {glue:text}`cube_maha` from the data, against
# {glue:text}`test_maha` for held-out z-points (a normal distribution in {glue:text}`N` dimensions puts its
# points at about $\sqrt{N}$ ≈ {glue:text}`expected_maha`); {glue:text}`cube_in99` of cube points fall in the
# data's 99 % ellipsoid. Independent normals, which know each component's mean and spread but not the
# correlations, reach {glue:text}`ind_in99`; the multivariate normal {glue:text}`mnd_in99`. The held-out
# z-points themselves reach only {glue:text}`test_in99` (and {glue:text}`test_in95` inside the 95 %
# ellipsoid), below the nominal levels, because a covariance matrix of {glue:text}`N` × {glue:text}`N`
# entries estimated from {glue:text}`n_train` points overfits the training points: new points look farther
# away than they are.
#
# ## The curse of dimensionality, in numbers
#
# How likely is it that a uniform cube point lands inside the data's region at all? The volume of the 99 %
# ellipsoid of the data is a fraction $10^{x}$ of the volume of the cube $[-b, b]^N$ with $b$ =
# {glue:text}`b_match`, with $x$ = {glue:text}`log10_fraction`. This fraction is an upper bound of the
# probability that a cube point falls inside (it is exact when the ellipsoid lies inside the cube).
# A Monte Carlo estimate with {glue:text}`mc_n` cube points gives {glue:text}`mc_p`.

# %%
mean, cov = z_train.mean(axis=0), np.cov(z_train, rowvar=False)
log10_fraction = ellipsoid_cube_volume_fraction(mean, cov, b_match, 0.99)
mc_n = 100_000
p_hit, p_se = cube_hit_probability(mean, cov, b_match, 0.99, mc_n, rng)
glue("log10_fraction", f"{log10_fraction:.0f}", display=False)
glue("mc_n", f"{mc_n:,}", display=False)
glue("mc_p", (f"{p_hit:.2e} ± {p_se:.1e}" if p_hit > 0 else f"no hit at all (probability below about {3 / mc_n:.0e})"),
     display=False)
print(f"log10(volume ratio) = {log10_fraction:.1f}; Monte Carlo hit rate {p_hit:.3g} ± {p_se:.2g}")

# %% [markdown]
# ## The same analysis on real photos
#
# `synthfaces` is drawn by a program. As a check with real photographs, the table repeats the chapter's key
# figures for a second data set ({glue:text}`compare_name`), trained with the same architecture
# ({glue:text}`compare_epochs` epochs in batches of {glue:text}`compare_batch`, since its 360 training images give few
# steps per epoch; held-out loss {glue:text}`compare_loss`). ORL has only 400 photos of 40 people, so its covariance in {glue:text}`N` dimensions is
# estimated from far fewer points than dimensions would need, and its ellipsoid fractions for held-out
# points are correspondingly unreliable.

# %%
rows = {cfg.dataset: latent_overview(z_train, z_test, rng)}
if compare_dataset:
    other_cfg = dataclasses.replace(cfg, dataset=compare_dataset, data_dir=None, n_images=None,
                                    epochs=compare_epochs, batch_size=compare_batch_size).validated()
    other = get_run(other_cfg, artifacts_dir)
    rows[compare_dataset] = latent_overview(np.asarray(other.z_train), np.asarray(other.z_test), rng)
    glue("compare_epochs", f"{other_cfg.epochs}", display=False)
    glue("compare_batch", f"{other_cfg.batch_size}", display=False)
    glue("compare_loss", f"{other.history[-1]['val_loss']:.4f} (start {other.history[0]['val_loss']:.4f})", display=False)
else:
    for key in ("compare_epochs", "compare_batch", "compare_loss"):
        glue(key, "n/a", display=False)
side_by_side = pd.DataFrame(rows)
glue("compare_name", compare_dataset or "none", display=False)
side_by_side.round(3)

# %% [markdown]
# ## What this chapter found
#
# {glue:text}`verdict`

# %%
first = rows[cfg.dataset]
sentences = [
    f"On {cfg.dataset}, a cube matched to the data's mean radius needs b = {b_match:.2f} "
    f"({'inside' if 1.0 < b_match < 2.0 else 'outside'} the blog's CelebA range 1.0–2.0), and "
    f"{100 * first['cube points inside 99% ellipsoid']:.1f} % of its points fall in the data's 99 % ellipsoid "
    f"against {100 * first['MND points inside 99% ellipsoid']:.1f} % for the data's own multivariate normal."
]
sentences.append(
    f"Normality is rejected for {100 * first['components non-normal (p<0.01)']:.0f} % of the components "
    f"(median |skewness| {first['median |skewness|']:.2f}, median excess kurtosis {first['median excess kurtosis']:.2f}), "
    f"and {100 * first['pairs with |r| > 0.3']:.1f} % of component pairs have |r| > 0.3."
)
if compare_dataset:
    second = rows[compare_dataset]
    same_miss = (first["cube points inside 99% ellipsoid"] < 0.05) == (second["cube points inside 99% ellipsoid"] < 0.05)
    sentences.append(
        f"On {compare_dataset} the cube puts {100 * second['cube points inside 99% ellipsoid']:.1f} % of its points in "
        f"the 99 % ellipsoid (b = {second['cube b matching <|z|>']:.2f}); the two data sets "
        + ("agree that uniform cube points miss the data region." if same_miss else
           "disagree on whether cube points miss the data region.")
    )
verdict = " ".join(sentences)
glue("verdict", verdict, display=False)
print(verdict)
