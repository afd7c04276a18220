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
# network, one seed and one data set. A follow-up series on the same question {cite}`cae2024mnd` set out
# to test how the latent distribution depends on the data and on network properties such as batch
# normalisation, and a textbook view holds that only a **variational autoencoder** (VAE; Kingma and Welling
# {cite}`kingma2014vae`) can generate from a prior. This chapter compares runs, but only runs trained well
# enough to be judged.
#
# **In short, for this run:** the grid holds {glue:text}`n_runs` runs, {glue:text}`n_adequate` of them
# adequate (the check is stated below). {glue:text}`vae_text`
#
# **The grid.** Its base is chapter 1's own configuration (the same data, 8 epochs, filters 32-64-128-128,
# z_dim 256), so chapter 1's run *is* the grid's plain autoencoder at seed 0 and costs nothing here. Beside it
# runs a VAE of the same scale: the same encoder and decoder, a Gaussian posterior head (mean and
# log-variance), a reparameterised sample, the reconstruction term summed over the 27,648 pixel values of an
# image and the KL term to N(0, I) with weight **β = 1**; its z-points are its posterior means. One run at
# chapter 1's scale costs 6–8 minutes of the book's two cores (the VAE about 1.1 times the plain AE per image,
# see `benchmarks/RESULTS.md`), so the book trains one new run; more seeds, batch normalisation, other latent
# dimensions and other data sets are the same grid on the command line (`ae_seeds`, `vae_seeds` below, or
# the CLI sweep at the end of the page): fewer runs trained well beat many trained badly.
#
# **Adequacy.** A run enters the conclusions only if it passes a check stated before its figures are read
# (the thresholds were set on a pilot grid of 2,400 images, see `benchmarks/RESULTS.md`): its held-out
# reconstruction error at most twice chapter 1's; the decoded samples of its ex-post MND diverse — their
# *recall* against real held-out images in chapter 3's feature space at least a fifth of the recall of real
# images against real images (a generator that decodes one face ten times has a recall near 0); and for the
# VAE no posterior collapse (at least 5 *active* latent units, whose posterior mean varies over the data with
# variance above 0.01) and a held-out loss — the summed reconstruction error at the posterior mean plus the KL
# term — that changed by less than 1 % over its last 2 epochs (the convergence criterion; the VAE's epoch cap
# is chapter 1's 8 epochs). A run that fails is named below with its
# reason and left out. The VAE's prior is not part of the check: how well it generates is what this chapter
# compares.

# %% tags=["parameters"]
dataset = "synthfaces"  # chapter 1's parameters: the base is chapter 1's run
data_dir = None
n_images = None
z_dim = 256
epochs = 8  # also the VAE's epoch cap
batch_size = 64
precision = "float32"  # or "mixed_bfloat16" (mixed precision, for GPUs)
ae_seeds = "0"  # plain-AE seeds; 0 is chapter 1's run, the adequacy reference
vae_seeds = "0"  # model seeds of the VAE
seed = 0  # seed of the decoded samples shown
verdict_draws = 0  # chapter 4's null draws per run (0: skip)
n_fake = 400  # decoded samples per generator (at most half the held-out images)
n_boot = 200  # bootstrap resamples for the 90 % intervals
artifacts_dir = None  # None: <repo>/artifacts (or $LF_ARTIFACTS)
sweep_name = "chapter5"

# %%
from latent_fragments.chapter import open_chapter

# the grid's base: chapter 1's configuration, so its seed 0 is chapter 1's run
chapter = open_chapter(dataset=dataset, data_dir=data_dir, n_images=n_images,
                       z_dim=z_dim, epochs=epochs, batch_size=batch_size, seed=0,
                       precision=precision, artifacts_dir=artifacts_dir)
base = chapter.cfg

# %% tags=["hide-input"]
from IPython.display import Markdown
from myst_nb import glue

from latent_fragments import provenance
from latent_fragments.config import parse_seeds
from latent_fragments.findings_store import record_findings
from latent_fragments.pages import generality as words
from latent_fragments.plots import generality as generality_plots
from latent_fragments.plots import images as plotting
from latent_fragments.runs import get_run
from latent_fragments.stats.features import feature_kind
from latent_fragments.stats.generality import adequacy, conclusion_table, verdict_counts
from latent_fragments.sweep import Settings, plan_variants, run_sweep, sample_sets

AE, VAE = "plain AE", "VAE"  # the grid's two variants

# %%
if base.profile == "small":  # the test profile: chapter 1's small run, fewer resamples
    n_boot = min(n_boot, 50)
variants = {AE: {"seeds": parse_seeds(ae_seeds, "ae_seeds")},
            VAE: {"model": "vae", "seeds": parse_seeds(vae_seeds, "vae_seeds")}}
settings = Settings(verdict_draws=verdict_draws, n_fake=n_fake, n_boot=n_boot)
plan = plan_variants(base, variants, [0], settings)
table = run_sweep(plan, sweep_name, artifacts_dir, log=lambda message: None)

# %%
# the adequacy check, against chapter 1's run
chapter1 = table["run"] == base.run_name()
assert chapter1.any(), "ae_seeds must include 0: chapter 1's run is the reference"
reference_mse = float(table.loc[chapter1, "recon_mse"].iloc[0])
failures = adequacy(table, reference_mse)
adequate = failures.apply(len) == 0

# %% tags=["remove-input"]
ae_run = chapter.run
vae_run = get_run(plan.configs(VAE)[0], artifacts_dir)
words.sweep_numbers(len(table), int(adequate.sum()), list(variants)).glue()
words.scoring_numbers(feature_kind(ae_run.faces.labels)).glue()  # the sweep's scoring network
provenance.run_box(ae_run, vae_run)

# %% tags=["remove-cell"]
# Checked by nbval: the same on every machine and profile.
assert len(table) == len(plan.runs) and table["run"].is_unique and table["n90"].between(1, table["z_dim"]).all()
assert table.loc[table["model"] == "vae", "fd_prior"].notna().all() and len(failures) == len(table)
assert set(words.excluded(table, failures, reference_mse)) == {words.run_name(r) for _, r in table[~adequate].iterrows()}

# %% [markdown]
# ## Which runs are adequate?
#
# The sweep holds {glue:text}`n_runs` runs of {glue:text}`n_variants` variants; {glue:text}`n_adequate` pass
# the adequacy check:

# %% tags=["remove-input"]
Markdown(words.adequacy_list(table, failures, reference_mse))

# %% [markdown]
# The run statement above names chapter 1's autoencoder and the VAE; the results table lies in the artefact
# folder under `sweeps/`.

# %% [markdown]
# ## The headline figures, per run
#
# For each run: the share of latent axes that carry 90 % of the variance (chapter 3's principal component
# analysis), the share of points in the dense core — within 3σ on every principal axis — next to the share an
# MND would put there, Mardia's multivariate skewness and kurtosis ({cite}`mardia1970`) divided by an MND's
# (1 for a normal cloud; on the leading principal axes, at most a tenth as many as points) and the p-value of a
# parametric-bootstrap test of both (79 normal clouds of the same size, fitted to the run's z-points and measured
# the same way), where the origin lies judged **as a new point would be** — the share of *held-out* z-points
# nearer the centre than the origin, and whether the origin lies outside chapter 1's predictive regions that
# hold 90 % and 99.9 % of new z-points — the held-out reconstruction error, the VAE's active units, and the
# Fréchet distance (FD) and recall of decoded samples in chapter 3's feature space: samples of the MND fitted
# to the training z-points (ex post), of chapter 2's radius-matched uniform cube and, for the VAE, of its prior
# N(0, I), each scored against one half of the held-out images, the other half giving the real-vs-real value.
# {glue:text}`scoring_space`

# %% tags=["remove-input"]
words.headline_table(table)

# %% tags=["remove-input"] mystnb={"image": {"alt": "Panels of headline figures, one row per variant, each run as a dot"}}
generality_plots.plot_headline(table);

# %% [markdown]
# ## Which conclusions hold?
#
# Each of the blog's conclusions becomes a test on one adequate run's figures (the thresholds and tests are in
# the table). {glue:md}`rule` The table says whether a conclusion *recurs* across runs; the verdict on each
# claim is the deciding chapter's (the origin's position: chapter 2's judgement in the full latent space; see
# the findings page).

# %% tags=["remove-input"]
conclusions = conclusion_table(table)
glue("rule", Markdown(words.rule_sentence(int(adequate.sum()))), display=False)
words.conclusions_frame(conclusions, adequate)

# %% tags=["remove-input"]
Markdown(words.verdict_note(verdict_draws))

# %% tags=["remove-input"]
verdict_counts(table) if verdict_draws else None

# %% [markdown]
# ## The VAE's prior against an ex-post MND
#
# A VAE is trained so that its prior N(0, I) can be sampled; a plain autoencoder has no prior, and the blog
# samples an MND fitted to its z-points after training. Ghosh et al. {cite}`ghosh2020` proposed exactly this
# ex-post density estimation for deterministic autoencoders and found it competitive with VAEs; the pythae
# benchmark (Chadebec et al. {cite}`chadebec2022pythae`) compares prior and ex-post mixture sampling for many
# models. Here, on the adequate runs, by the FD in chapter 3's feature space with 90 % bootstrap intervals (a
# difference is called only where the intervals are disjoint, a conservative test at the 5 % level):
#
# {glue:md}`vae_convergence`
#
# {glue:md}`vae_sentence`
#
# Decoded samples, side by side: the VAE's prior, an MND fitted to the VAE's posterior means, the plain AE's
# ex-post MND (chapter 1's run) and chapter 2's uniform cube for the plain AE.

# %% tags=["remove-input"]
ae_rows, vae_rows = table[adequate & (table["variant"] == AE)], table[adequate & (table["variant"] == VAE)]
glue("vae_sentence", Markdown(words.vae_sentence(ae_rows, vae_rows)), display=False)
glue("vae_text", words.vae_sentence(ae_rows, vae_rows), display=False)
vae_all = table[table["variant"] == VAE]
glue("vae_convergence", Markdown(words.convergence_sentence(vae_all, epochs)), display=False)

# %% tags=["remove-input"] mystnb={"image": {"alt": "Four rows of ten decoded images: VAE prior, VAE ex-post MND, AE ex-post MND, AE uniform cube"}}
vae_sets, ae_sets = sample_sets(vae_run, 10, seed=seed), sample_sets(ae_run, 10, seed=seed)
plotting.image_rows(
    [vae_run.decode(vae_sets["prior"]), vae_run.decode(vae_sets["mnd"]), ae_run.decode(ae_sets["mnd"]),
     ae_run.decode(ae_sets["cube"])],
    ["VAE prior\nN(0, I)", "VAE\nex-post MND", "AE\nex-post MND", "AE\nuniform cube"],
    title="Decoded samples of the VAE and of chapter 1's autoencoder",
);

# %% tags=["remove-cell"]
record = words.findings_record(
    {"dataset": base.dataset, "n_images": base.n_images, "epochs": base.epochs, "z_dim": base.z_dim,
     "beta": 1.0, "ae_seeds": ae_seeds, "vae_seeds": vae_seeds, "n_boot": n_boot, "profile": base.profile},
    table, failures, reference_mse, AE, VAE)
record_findings(ae_run.path, "ch5", record)
assert set(record["claims"]) == {"unenforced_mnd", "vae_needed"} and len(record["variants"]) == int(adequate.sum())

# %% [markdown]
# ## At the blog's scale, and the full grid
#
# The grid with more seeds, batch normalisation, another latent dimension and another data set is one command;
# each run is cached, so an interrupted sweep resumes where it stopped (see *Reproduce at full scale* for a GPU
# machine):
#
# ```
# python -m latent_fragments sweep --grid grid.toml --name celeba
# ```
#
# with a `grid.toml` such as
#
# ```toml
# seeds = [0, 1, 2]
# [base]
# dataset = "celeba"
# data_dir = "/data/celeba"
# n_images = 170000
# epochs = 24
# [variants]
# "plain AE" = {}
# "batch norm" = {batch_norm = true}
# "z_dim 32" = {z_dim = 32}
# VAE = {model = "vae"}
# [settings]
# n_boot = 200
# ```
#
# The sweep's table holds every figure of this page per run; the adequacy check and the conclusions table are
# the functions of `latent_fragments.stats.generality` applied to it.
