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
# # 5. How general is the fragment?
#
# Chapters 1–4 examined one trained autoencoder. The conclusions the blog series drew from its z-points — a
# compact ellipsoid along a few main axes, close to a multivariate normal distribution (MND), with a dense
# core, the origin near its border, faces decoded from statistical points inside it — may belong to that one
# network, one seed and one data set. A follow-up series on the same question (see the background page) set out
# to test how the latent distribution depends on the data and on network properties such as batch
# normalisation. This chapter does that test: a **sweep** of runs that differ in
#
# - the **seed** (initial weights and batch order), several seeds per variant;
# - **batch normalisation** after every convolution, on or off;
# - the **latent dimension**, a small one (32) and the book's default (256);
# - the **data set**, synthfaces and ORL;
# - the **model**: the plain autoencoder and a **variational autoencoder** (VAE; Kingma and Welling {cite}`kingma2014vae`) with
#   the same encoder and decoder, a Gaussian posterior head (mean and log-variance), a reparameterised sample,
#   the reconstruction term summed over the 27,648 pixel values of an image and the KL term to N(0, I) with
#   weight 1. The chapters' z-points of a VAE are its posterior means.
#
# Every run is an ordinary run of the package, cached under its configuration's key
# (`python -m latent_fragments sweep …` trains the same grid from the command line), and every figure
# below comes from chapters 2–4's functions. To fit the book's time budget the runs are **smaller** than
# chapter 1's (fewer images, epochs and filters; see the parameters): the sweep replicates chapter 1's
# *conclusions* under variation, not its numbers.

# %% tags=["parameters"]
dataset = "synthfaces"  # the main data set: synthfaces (default), orl, celeba or folder
data_dir = None  # CelebA folder (holding img_align_celeba/) or an image folder
other_dataset = "orl"  # the second data set of the sweep (all its images)
other_data_dir = None
n_images = 1200  # images of the main data set per run
z_dim = 256  # the default latent dimension
small_z_dim = 32  # the small latent dimension
epochs = 4
batch_size = 64
filters = "16,32,64,64"  # narrower than chapter 1's: about 450 img/s on 2 cores
seeds = "0,1,2"  # model seeds of every variant
seed = 0  # seed of the decoded samples shown
verdict_draws = 0  # chapter 4's null draws per run (19 reach p = 0.05; 0: skip)
n_fake = 400  # decoded samples per generator for FD and KID
artifacts_dir = None  # None: <repo>/artifacts (or $LF_ARTIFACTS)
sweep_name = "chapter5"

# %% tags=["hide-input"]
import dataclasses

from IPython.display import Markdown
from myst_nb import glue

from latent_fragments import provenance
from latent_fragments.config import RunConfig
from latent_fragments.plots import generality as generality_plots
from latent_fragments.plots import images as plotting
from latent_fragments.runs import get_run
from latent_fragments.stats import generality as say
from latent_fragments.sweep import Settings, plan_variants, run_sweep, sample_sets

AE, VAE = "chapter 1's AE", "VAE"  # names of two variants

# %%
base = RunConfig(dataset=dataset, data_dir=data_dir, n_images=n_images, z_dim=z_dim,
                 epochs=epochs, batch_size=batch_size,
                 filters=tuple(int(f) for f in filters.split(","))).with_profile()
seed_list, other_n, one_seed = [int(s) for s in seeds.split(",")], None, {}
if base.profile == "small":  # the test profile: fewer images, seeds and samples
    base, other_n = dataclasses.replace(base, n_images=min(base.n_images, 160)), 160
    seed_list, n_fake = seed_list[:2], min(n_fake, 100)
    one_seed = {"seeds": seed_list[:1]}  # the variants other than chapter 1's: one seed
variants = {AE: {}, "batch norm": {"batch_norm": True, **one_seed},
            f"z_dim {small_z_dim}": {"z_dim": small_z_dim, **one_seed},
            other_dataset: {"dataset": other_dataset, "data_dir": other_data_dir,
                            "n_images": other_n, **one_seed},
            VAE: {"model": "vae", **one_seed}}
settings = Settings(verdict_draws=verdict_draws, n_fake=n_fake)
plan = plan_variants(base, variants, seed_list, settings)
table = run_sweep(plan, sweep_name, artifacts_dir, log=lambda message: None)

# %% tags=["remove-input"]
ae_run = get_run(plan.configs(AE)[0], artifacts_dir)
vae_run = get_run(plan.configs(VAE)[0], artifacts_dir)
glue("n_runs", f"{len(plan.runs)}", display=False)
glue("n_variants", f"{len(variants)}", display=False)
glue("n_seeds", f"{len(seed_list)}", display=False)
provenance.run_box(ae_run, vae_run)

# %% tags=["remove-cell"]
# Checked by nbval: the same on every machine.
assert len(table) == len(plan.runs) and len(plan.configs(AE)) == len(seed_list)
assert table["run"].is_unique and table["n90"].between(1, table["z_dim"]).all()
assert table.loc[table["model"] == "vae", "fd_prior"].notna().all()

# %% [markdown]
# The sweep holds {glue:text}`n_runs` runs of {glue:text}`n_variants` variants, chapter 1's configuration
# with {glue:text}`n_seeds` seeds (at the small test profile the other variants have one seed). The run statement above names the seed-0 runs of chapter 1's autoencoder
# and of the VAE; the results table lies in the artefact folder under `sweeps/`.

# %% [markdown]
# ## The headline figures, per variant
#
# For each run: the share of latent axes that carry 90 % of the variance (chapter 3's principal component
# analysis), the share of points in the dense core — within 3σ on every principal axis — next to the share an
# MND would put there, Mardia's multivariate kurtosis ({cite}`mardia1970`) divided by an MND's (1 for a normal
# cloud; computed on the leading principal axes, at most a tenth as many as points), the share of points
# nearer the centre than the origin (chapter 3), the held-out reconstruction error, and the Fréchet distance
# (FD) of decoded samples in chapter 3's feature space: samples of the MND fitted to the training z-points
# (ex post), of chapter 2's radius-matched uniform cube and, for the VAE, of its prior N(0, I). The table
# shows mean ± sd over the seeds.

# %% tags=["remove-input"]
figures = ("n90_share", "core_share", "core_expected", "kurtosis_ratio", "skewness_ratio", "origin_share_closer",
           "recon_mse", "fd_mnd", "fd_cube", "fd_prior")
say.figure_summary(table, figures)

# %% tags=["remove-input"] mystnb={"image": {"alt": "Five panels of headline figures, one row per variant, each seed as a dot and mean plus or minus sd as a bar"}}
generality_plots.plot_headline(table);

# %% [markdown]
# ## Which conclusions hold?
#
# Each of the blog's conclusions becomes a test on one run's figures (the thresholds are in the sentences);
# a conclusion *holds* for a variant when it holds for every seed of it:
#
# {glue:md}`conclusions`

# %% tags=["remove-input"]
conclusions = say.conclusion_table(table)
glue("conclusions", Markdown(say.conclusions_sentence(conclusions)), display=False)
conclusions.round(2)

# %% [markdown]
# Chapter 4's verdict on small-scale structure needs 19 null draws per run, each with its own neighbour
# searches, which is too slow for fifteen runs in the book's build: it skips the verdict
# (`verdict_draws = 0`). With `verdict_draws = 19` the table below counts the verdict labels of each
# variant's runs.

# %% tags=["remove-input"]
say.verdict_counts(table) if verdict_draws else "chapter 4's verdict skipped (verdict_draws = 0)"

# %% [markdown]
# ## The VAE's prior against an ex-post MND
#
# A VAE is trained so that its prior N(0, I) can be sampled; a plain autoencoder has no prior, and the blog
# samples an MND fitted to its z-points after training. Ghosh et al. {cite}`ghosh2020` proposed exactly this
# ex-post density estimation for deterministic autoencoders and found it competitive with VAEs; the pythae
# benchmark (Chadebec et al. {cite}`chadebec2022pythae`) compares prior and ex-post mixture sampling for many models. Here,
# by the FD in chapter 3's feature space:
#
# {glue:md}`vae_sentence`
#
# Decoded samples, seed 0, side by side: the VAE's prior, an MND fitted to the VAE's posterior means, the
# plain AE's ex-post MND, and chapter 2's uniform cube for the plain AE.

# %% tags=["remove-input"]
glue("vae_sentence", Markdown(say.vae_sentence(table, AE, VAE)), display=False)

# %% tags=["remove-input"] mystnb={"image": {"alt": "Four rows of ten decoded images: VAE prior, VAE ex-post MND, AE ex-post MND, AE uniform cube"}}
vae_sets, ae_sets = sample_sets(vae_run, 10, seed=seed), sample_sets(ae_run, 10, seed=seed)
plotting.image_rows(
    [vae_run.decode(vae_sets["prior"]), vae_run.decode(vae_sets["mnd"]), ae_run.decode(ae_sets["mnd"]),
     ae_run.decode(ae_sets["cube"])],
    ["VAE prior\nN(0, I)", "VAE\nex-post MND", "AE\nex-post MND", "AE\nuniform cube"],
    title="Decoded samples of the VAE and of chapter 1's autoencoder",
);

# %% [markdown]
# ## At the blog's scale
#
# The same grid on CelebA at the blog's size is one command for a GPU machine (see *Reproduce at full
# scale*); each run is cached, so an interrupted sweep resumes where it stopped:
#
# ```
# python -m latent_fragments sweep --grid grid.toml --name celeba
# ```
#
# with a `grid.toml` of `seeds = [0, 1, 2]`, a `[base]` of `dataset = "celeba"`, `data_dir`, `n_images =
# 170000`, `epochs = 24` and chapter 1's filters, and the `[variants]` of this chapter.
