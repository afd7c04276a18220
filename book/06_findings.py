# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: mystnb
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   mystnb:
#     execution_mode: force
#     render_markdown_format: myst
# ---

# %% [markdown]
# # 6. What the book found
#
# The blog series makes a dozen claims about where a plain autoencoder puts the z-points of faces. The
# chapters test them one by one; this page states each claim once, with the verdict of the chapter that
# decides it. It computes nothing itself: each chapter ends by recording its verdicts, the figures that
# decide them and the section that measures them beside chapter 1's run, and this page reads those records.
# A claim whose chapter has not been run for this run reads "not measured".

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

# %% tags=["hide-input"]
from IPython.display import Markdown

from latent_fragments import provenance
from latent_fragments.chapter import open_chapter
from latent_fragments.findings_store import load_findings
from latent_fragments.pages import findings as page

# %% [markdown]
# The records belong to chapter 1's run, the run of this page's parameters (it must have been trained, by
# chapter 1 or the command line, before this page can say anything):

# %%
chapter = open_chapter(dataset=dataset, data_dir=data_dir, n_images=n_images,
                       z_dim=z_dim, epochs=epochs, batch_size=batch_size, seed=seed,
                       precision=precision, artifacts_dir=artifacts_dir, train=False)
cfg, run = chapter.cfg, chapter.run
findings = load_findings(run.path)
n_run_images = len(run.train_idx) + len(run.test_idx)

# %% tags=["remove-input"]
provenance.glue_run_statement(run)

# %% [markdown]
# ## The verdicts

# %% tags=["remove-input"]
Markdown(page.summary_paragraph(findings, cfg.dataset, n_run_images, cfg.epochs))

# %% [markdown]
# {glue:md}`run_statement`
#
# Each claim is judged in one place. Where two chapters look at the same claim in different ways, the
# deciding chapter is the one named below: the origin's position, for instance, is decided by chapter 2 in
# the full latent space against new (held-out) z-points; chapter 3's view of the leading principal axes
# and chapter 5's runs only illustrate it. "Holds" means the chapter's stated test found what the blog
# claims, on this run; it is not a proof for CelebA.

# %% tags=["remove-input"]
Markdown(page.findings_table(findings, cfg.dataset, n_run_images))

# %% tags=["remove-input"]
Markdown(page.calibration_note(findings) + " " + page.variants_note(findings))

# %% [markdown]
# ## Each claim, with its deciding figure
#
# The figure that decides each verdict, with its interval, as the chapter computed it, and a link to the
# section that measures it.

# %% tags=["remove-input"]
Markdown(page.claim_cards(findings))

# %% tags=["remove-cell"]
# Checked by nbval: one row and one card per claim, whatever the chapters have recorded.
table = page.findings_table(findings, cfg.dataset, n_run_images).splitlines()
assert len(table) == 2 + len(page.CLAIMS), table
assert len(page.claim_cards(findings).split("\n\n")) == len(page.CLAIMS)
for claim in page.CLAIMS:
    cell = page.verdict_cell(claim, findings)
    assert cell in page.VERDICTS or cell.startswith(("not testable", "not measured")), cell
