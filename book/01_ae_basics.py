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
# # 1. Encoder, decoder and latent space
#
# The blog series *Autoencoders and latent space fragmentation* {cite}`moenchmeyer2023part1` starts from a plain
# convolutional autoencoder (AE) trained on faces and asks a simple question: **can such an AE generate new
# faces if we hand its decoder statistically chosen points of its latent space?** This chapter builds the
# AE, trains it, and repeats the series' first experiment: decode random points taken from a cube and from a
# ball around the origin of the latent space.
#
# Everything below is computed when the book is built; every number in the text is this run's number.
# To rerun the chapter with other parameters (your CelebA copy, another `z_dim`, a GPU) see the
# introduction ({ref}`rerun-a-chapter`).
#
# **In short, for this run** (the sections below show how): {glue:text}`verdict`
#
# {glue:md}`run_statement`

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
cfg, rng = chapter.cfg, chapter.rng

# %% tags=["hide-input"]
import numpy as np
import pandas as pd

from latent_fragments import provenance
from latent_fragments.findings_store import record_findings
from latent_fragments.model import layer_table
from latent_fragments.pages import Numbers
from latent_fragments.pages import ae_basics as numbers
from latent_fragments.pages.findings import run_settings
from latent_fragments.plots import components as latent_plots
from latent_fragments.plots import images as plotting
from latent_fragments.plots.style import Cloud
from latent_fragments.runs import load_data
from latent_fragments.stats.components import radii
from latent_fragments.stats.gaussian import Gaussian
from latent_fragments.stats.generators import UniformBall, UniformCube
from latent_fragments.stats.quality import nearest_image_rmse
from latent_fragments.stats.regions import PredictiveRegion, nominal_share_inside

# %% [markdown]
# ## Images are vectors
#
# A colour image of 96×96 pixels is an array of shape (96, 96, 3): three colour channels per pixel. Flattened,
# it is one vector of the *image vector space* with
# {glue:text}`ivs_dim` dimensions. The encoder of an AE maps this vector to a point of a much smaller
# *latent space* (here {glue:text}`z_dim` dimensions, {glue:text}`compression` times fewer); the blog calls
# these encoded vectors **z-points**. The decoder maps any point of the latent space back to an image.

# %% mystnb={"image": {"alt": "A grid of 48 face images of the data set, four rows of twelve"}}
faces = load_data(cfg, artifacts_dir)
print(f"{len(faces)} images of shape {faces.images.shape[1:]} (uint8)")
title = f"The first 48 of {len(faces):,} images ({cfg.dataset})"
plotting.image_grid(faces.images[:48], n_cols=12, title=title);

# %% tags=["remove-input"]
numbers.data_numbers(faces.images.shape[1:], cfg.z_dim, len(faces), cfg.dataset).glue()

# %% tags=["remove-cell"]
# Checked by nbval: the same on every machine.
assert faces.images.shape[1:] == (cfg.image_size, cfg.image_size, 3) == (96, 96, 3)
assert numbers.data_numbers(faces.images.shape[1:], 256, 1, "x")["ivs_dim"] == "27,648"

# %% [markdown]
# The book's default data set, `synthfaces`, is drawn by a procedural renderer of this project (CelebA cannot
# be downloaded where the book is built). Each face comes with the values of the factors that drew it
# (face shape, skin tone, hair, eyes, glasses, beard, pose, lighting, …): ground truth that later chapters
# use to explain what directions of the latent space encode. Here the set holds {glue:text}`n_images`
# images. With `dataset="orl"` the same chapter runs on 400 real photos (AT&T/ORL {cite}`samaria1994orl`), with
# `dataset="celeba"` on CelebA {cite}`liu2015celeba` as in the blog. CelebA's aligned images are 178×218 pixels
# with the eyes at about the same place in every image; the loader crops the 148×148 square from (15, 40) to
# (163, 188), centred slightly below the image centre so that it keeps the chin, and resizes it to 96×96 with
# Lanczos filtering (`latent_fragments.data.celeba_crop_box`). ORL's 112×92 photos are cropped to their centred 92×92
# square the same way, and any folder of images to its centred square.

# %%
numbers.label_table(faces.labels)  # the first five images' labels, if any

# %% [markdown]
# ## The autoencoder
#
# The architecture follows the series: an encoder of four strided `Conv2D` layers (96 → 48 → 24 → 12 → 6
# pixels), flattened into a linear `Dense` layer whose {glue:text}`z_dim` outputs are the z-point; a decoder
# that expands a z-point with a `Dense` layer to 6×6 feature maps and climbs back to 96×96×3 with four
# strided `Conv2DTranspose` layers, the last with a sigmoid so that pixels lie in [0, 1]. The loss is the
# binary cross-entropy (BCE) between image and reconstruction, the optimiser Adam with learning rate 5·10⁻⁴.
# The encoder has {glue:text}`params_encoder` parameters, the decoder {glue:text}`params_decoder`.

# %%
run = chapter.run  # trained here if this configuration has no run yet
table = pd.DataFrame(layer_table(run.autoencoder))
table.style.format({"parameters": "{:,}"}).hide(axis="index")

# %% tags=["remove-input"]
numbers.model_numbers(layer_table(run.autoencoder)).glue()
provenance.glue_run_statement(run)

# %% tags=["remove-cell"]
# Checked by nbval: the architecture of the series, the same on every machine.
convs = table[table.type.isin(["Conv2D", "Conv2DTranspose"])]
f = cfg.filters
assert list(convs["output shape"]) == [
    f"48x48x{f[0]}", f"24x24x{f[1]}", f"12x12x{f[2]}", f"6x6x{f[3]}",
    f"12x12x{f[2]}", f"24x24x{f[1]}", f"48x48x{f[0]}", "96x96x3"], list(convs.type)
assert table["output shape"][table.layer == "z"].tolist() == [str(cfg.z_dim)] * 2
if (cfg.z_dim, cfg.filters, cfg.kernel_size) == (256, (32, 64, 128, 128), 3):
    params = numbers.model_numbers(layer_table(run.autoencoder))
    assert dict(params) == {"params_encoder": "1,420,736",
                            "params_decoder": "1,424,963"}

# %% [markdown]
# ## Training
#
# The run above was trained (or, if the book was built before with the same parameters, loaded) from the
# uint8 image cache in batches of {glue:text}`batch_size`: {glue:text}`n_train` images for training,
# {glue:text}`n_test` held out. After {glue:text}`epochs` epochs the BCE loss was {glue:text}`loss_train` on
# the training images and {glue:text}`loss_test` on the held-out ones; the mean squared pixel error (pixels
# in [0, 1]) {glue:text}`mse_train` and {glue:text}`mse_test`. The BCE of a perfect reconstruction is not 0
# but the mean entropy of the pixel values, so only its decrease and the gap between the two curves matter.
# Training ran at {glue:text}`img_per_s` images per second on this machine.

# %% mystnb={"image": {"alt": "Training and held-out loss and pixel error against the epoch"}}
history = run.history
plotting.training_curves(history, loss_name=cfg.loss.upper());

# %% tags=["remove-input"]
numbers.training_numbers(history, cfg.batch_size, len(run.train_idx),
                         len(run.test_idx)).glue()

# %% [markdown]
# ## Reconstructions
#
# Encoding an image and decoding its z-point gives the reconstruction. Training images and held-out images
# are shown side by side: an AE that had only memorised its training set would fail on the held-out row.

# %% mystnb={"image": {"alt": "Four rows of twelve faces: training images, their reconstructions, held-out images, their reconstructions"}}
n_show = 12
train_imgs, test_imgs = run.images("train", n_show), run.images("test", n_show)
plotting.image_rows(
    [train_imgs, run.reconstruct(train_imgs), test_imgs, run.reconstruct(test_imgs)],
    ["training\nimage", "recon-\nstruction", "held-out\nimage", "recon-\nstruction"],
    title="Training and held-out images with their reconstructions",
);

# %% [markdown]
# How good are reconstructions in general, not just for twelve images? The per-image mean squared error of
# every held-out image and of as many training images has a median of {glue:text}`recon_mse_test` for
# held-out images and {glue:text}`recon_mse_train` for training images (ratio {glue:text}`recon_ratio`).

# %% mystnb={"image": {"alt": "Histograms of the per-image reconstruction error of training and held-out images"}}
n_err = len(run.test_idx)
train_err_imgs, test_err_imgs = run.images("train", n_err), run.images("test", n_err)


def per_image_mse(images: np.ndarray) -> np.ndarray:
    recon = run.reconstruct(images).astype(np.float32) / 255
    return ((recon - images.astype(np.float32) / 255) ** 2).mean(axis=(1, 2, 3))


err_train, err_test = per_image_mse(train_err_imgs), per_image_mse(test_err_imgs)
plotting.error_histograms(
    [Cloud("data", f"training images (n={n_err})", err_train),
     Cloud("held_out", f"held-out images (n={n_err})", err_test)],
    xlabel="mean squared pixel error per image (pixels in [0, 1])",
    title="Distribution of the reconstruction error",
);

# %% tags=["remove-input"]
numbers.reconstruction_numbers(err_train, err_test).glue()

# %% [markdown]
# ## Decoding random points of the latent space
#
# If the decoder can turn z-points of real images into faces, can it turn *any* point near them into a face?
# The series' first experiment draws points at random in simple regions around the origin:
#
# - a **cube** $[-b, b]^{N}$, every component uniform and independent, with $b =$ {glue:text}`cube_b`, the
#   99th percentile of the absolute component values of the training z-points, so the cube spans the range
#   the data's components take;
# - a **ball** of radius {glue:text}`ball_r`, the median length $\lVert z \rVert$ of the training z-points.
#
# We decode {glue:text}`n_random` points of each.

# %% mystnb={"image": {"alt": "Two rows of twelve images decoded from random points of the cube"}}
z_train = np.asarray(run.z_train, dtype=np.float64)
b = float(np.quantile(np.abs(z_train), 0.99))
ball_radius = float(np.median(radii(z_train)))
n_random = min(len(run.test_idx), 500)
z_cube = UniformCube(cfg.z_dim, b).sample(n_random, rng)
z_ball = UniformBall(cfg.z_dim, ball_radius).sample(n_random, rng)
decoded_cube, decoded_ball = run.decode(z_cube), run.decode(z_ball)
title = f"Decoded points of the cube [-{b:.2f}, {b:.2f}]^{cfg.z_dim}"
plotting.image_grid(decoded_cube[:24], n_cols=12, title=title);

# %% mystnb={"image": {"alt": "Two rows of twelve images decoded from random points of the ball"}}
title = f"Decoded points of the ball of radius {ball_radius:.2f}"
plotting.image_grid(decoded_ball[:24], n_cols=12, title=title);

# %% tags=["remove-input"]
numbers.random_set_numbers(b, ball_radius, n_random).glue()

# %% [markdown]
# To judge the images by numbers and not only by eye, three measures:
#
# 1. **Pixels.** Each decoded image is compared with its nearest training image (root-mean-square pixel
#    distance on 24×24 thumbnails, pixels in [0, 1]). Real held-out faces set the scale: they lie at a median
#    distance of {glue:text}`nn_test` from their nearest training image, their reconstructions at
#    {glue:text}`nn_recon`. Decoded cube points lie at {glue:text}`nn_cube` ({glue:text}`nn_cube_ratio` times
#    the held-out value), ball points at {glue:text}`nn_ball` ({glue:text}`nn_ball_ratio` times). This is a
#    blunt measure: a blurred, greyish image is not much farther from a face's average colours than another
#    face is.
# 2. **The latent space.** Fit a multivariate normal to the training z-points and take the ellipsoid that
#    should hold 99 % of *new* z-points. With a mean and covariance estimated from
#    {glue:text}`n_train` points in {glue:text}`z_dim` dimensions, the textbook χ² ellipsoid ignores the error
#    of that estimate and can hold far fewer new points than its level says; the *predictive* region allows
#    for it (Hotelling's {cite}`hotelling1931` $T^2$: $\tfrac{n}{n+1}(z-\bar z)^\top S^{-1}(z-\bar z) \sim
#    \tfrac{(n-1)p}{n-p}F_{p,\,n-p}$ for a new point $z$ of the same normal, $p$ = `z_dim`) or, when $n$ is at
#    most $2p$, uses a shrinkage covariance (Ledoit–Wolf {cite}`ledoit2004`) with cross-validated levels. {glue:text}`calibration`
# 3. **The encoder's verdict.** Feed the decoded images back to the encoder and count how many of the
#    re-encodings land in that region (below).

# %% mystnb={"image": {"alt": "Histograms of the pixel distance to the nearest training image for held-out images, reconstructions, decoded cube and ball points"}}
reference = run.images("train", 3000)
held_out = test_err_imgs[:n_random]
recon_test = run.reconstruct(held_out)
nn = [
    Cloud("held_out", "held-out images", nearest_image_rmse(held_out, reference)),
    Cloud("reconstruction", "reconstructions of held-out images",
          nearest_image_rmse(recon_test, reference)),
    Cloud("cube", "decoded cube points", nearest_image_rmse(decoded_cube, reference)),
    Cloud("ball", "decoded ball points", nearest_image_rmse(decoded_ball, reference)),
]
medians = {cloud.kind: float(np.median(cloud.values)) for cloud in nn}
plotting.error_histograms(
    nn, title="How far decoded images lie from real faces",
    xlabel="RMS pixel distance to the nearest training image (24×24, pixels in [0,1])");
pd.DataFrame({"median pixel distance to nearest training image":
              {c.label: medians[c.kind] for c in nn}}).round(4)

# %%
z_test = np.asarray(run.z_test, dtype=np.float64)
region = PredictiveRegion.fit(z_train, seed=seed)
latent = {"held_out": z_test, "cube": z_cube, "ball": z_ball}
decoded = {"held_out": recon_test, "cube": decoded_cube, "ball": decoded_ball}
inside = {kind: region.share_inside(z, levels=(0.99,))[0.99]
          for kind, z in latent.items()}
reencoded = {kind: region.share_inside(run.encode(images), levels=(0.99,))[0.99]
             for kind, images in decoded.items()}
numbers.inside_table(inside, reencoded)

# %% tags=["remove-input"]
nominal = nominal_share_inside(z_train, z_test, 0.99)
numbers.random_points_numbers(medians, inside, reencoded, nominal, len(z_test),
                              region.method, n_random).glue()

# %% [markdown]
# ## What this sets up
#
# {glue:text}`verdict`
#
# Why? A point drawn in a cube or ball of $N$ = {glue:text}`z_dim` dimensions has many independent
# components, and such points concentrate in a thin shell: the cube's radius is close to $b\sqrt{N/3}$, the
# ball's close to its surface. But a shell alone need not explain a miss, since a normal cloud can be a shell
# too: for a normal distribution with mean $\mu$ and covariance $\Sigma$,
# $\operatorname{E} R^2 = \lVert\mu\rVert^2 + \operatorname{tr}\Sigma$, and when the variance is spread over
# many axes, $R$ stays close to its root. {glue:text}`shell`

# %% mystnb={"image": {"alt": "Distributions of the radii of training z-points, of their fitted normal, of cube and of ball points"}}
fitted = Gaussian.fit(z_train)
random_radii = {"cube points": radii(z_cube), "ball points": radii(z_ball)}
model_radii = radii(fitted.sample(len(z_train), rng))
latent_plots.plot_radius_distributions(
    [Cloud("data", "training z-points", radii(z_train)),
     Cloud("mnd", "normal with the data's mean and covariance", model_radii),
     Cloud("cube", "cube points", random_radii["cube points"]),
     Cloud("ball", "ball points", random_radii["ball points"])],
    title="Radii |z| of the training z-points, their normal model and random points",
    log_density=True);

# %% tags=["remove-input"]
Numbers({"shell": numbers.shell_sentence(radii(z_train), fitted, random_radii)}).glue()

# %% [markdown]
# The next chapters measure the region the data occupy:
#
# - **Chapter 2** looks at the distributions of single latent components and of radii, matches uniform
#   cubes and balls to the data's radius, and measures how small the data's region is.
# - **Chapter 3** describes the region by a principal component analysis, tests whether it is one compact,
#   multivariate-normal *fragment*, and decodes points sampled inside it.
# - **Chapter 4** tests whether the cloud has small-scale *filaments* that a multivariate normal lacks.

# %% tags=["remove-cell"]
# For the findings page (chapter 6): what this chapter measured, kept beside the run. Checked by nbval.
record = numbers.findings_record(run_settings(cfg), inside, reencoded, nominal, len(z_test),
                                 n_random, region.method)
record_findings(run.path, "ch1", record)
held = record["held_out_in_region"]
assert held["interval95"][0] <= held["share"] <= held["interval95"][1]
assert held["agreement"] in ("within", "below", "above") and len(z_test) == len(run.test_idx)
