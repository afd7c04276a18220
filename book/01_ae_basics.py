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
import numpy as np
import pandas as pd
from myst_nb import glue

from latent_fragments.plots import images as plotting
from latent_fragments.config import RunConfig
from latent_fragments.stats.generators import UniformBall, UniformCube
from latent_fragments.stats.components import ellipsoid_fraction, radii
from latent_fragments.model import layer_table
from latent_fragments.stats.quality import inside_ellipsoid_share, nearest_image_rmse
from latent_fragments.runs import get_run, load_data

cfg = RunConfig(dataset=dataset, data_dir=data_dir, n_images=n_images, z_dim=z_dim, epochs=epochs,
                batch_size=batch_size, seed=seed).validated()
rng = np.random.default_rng(seed)
print(f"run {cfg.run_name()} (profile: {cfg.profile})")

# %% [markdown]
# ## Images are vectors
#
# A colour image of 96×96 pixels is an array of shape (96, 96, 3): three colour channels per pixel. Flattened,
# it is one vector of the *image vector space* with
# {glue:text}`ivs_dim` dimensions. The encoder of an AE maps this vector to a point of a much smaller
# *latent space* (here {glue:text}`z_dim` dimensions, {glue:text}`compression` times fewer); the blog calls
# these encoded vectors **z-points**. The decoder maps any point of the latent space back to an image.

# %%
faces = load_data(cfg, artifacts_dir)
ivs_dim = int(np.prod(faces.images.shape[1:]))
glue("ivs_dim", f"{ivs_dim:,}", display=False)
glue("z_dim", f"{cfg.z_dim}", display=False)
glue("compression", f"{ivs_dim / cfg.z_dim:.0f}", display=False)
glue("n_images", f"{len(faces):,}", display=False)
glue("dataset", cfg.dataset, display=False)
print(f"{len(faces)} images of shape {faces.images.shape[1:]} (uint8), cache {faces.cache_path.name}")
plotting.image_grid(faces.images[:48], n_cols=12, title=f"The first 48 of {len(faces):,} images ({cfg.dataset})");

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
faces.labels.head()

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
run = get_run(cfg, artifacts_dir)
table = pd.DataFrame(layer_table(run.autoencoder))
glue("params_encoder", f"{table.loc[table.model == 'encoder', 'parameters'].sum():,}", display=False)
glue("params_decoder", f"{table.loc[table.model == 'decoder', 'parameters'].sum():,}", display=False)
table

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

# %%
history = run.history
last = history[-1]
glue("batch_size", f"{cfg.batch_size}", display=False)
glue("n_train", f"{len(run.train_idx):,}", display=False)
glue("n_test", f"{len(run.test_idx):,}", display=False)
glue("epochs", f"{len(history)}", display=False)
glue("loss_train", f"{last['loss']:.4f}", display=False)
glue("loss_test", f"{last['val_loss']:.4f}", display=False)
glue("mse_train", f"{last['mse']:.4f}", display=False)
glue("mse_test", f"{last['val_mse']:.4f}", display=False)
glue("img_per_s", f"{np.median([row['images_per_s'] for row in history]):.0f}", display=False)
plotting.training_curves(history, loss_name=cfg.loss.upper());

# %% [markdown]
# ## Reconstructions
#
# Encoding an image and decoding its z-point gives the reconstruction. Training images and held-out images
# are shown side by side: an AE that had only memorised its training set would fail on the held-out row.

# %%
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

# %%
n_err = len(run.test_idx)
train_err_imgs, test_err_imgs = run.images("train", n_err), run.images("test", n_err)


def per_image_mse(images: np.ndarray) -> np.ndarray:
    recon = run.reconstruct(images).astype(np.float32) / 255
    return ((recon - images.astype(np.float32) / 255) ** 2).mean(axis=(1, 2, 3))


err_train, err_test = per_image_mse(train_err_imgs), per_image_mse(test_err_imgs)
glue("recon_mse_train", f"{np.median(err_train):.4f}", display=False)
glue("recon_mse_test", f"{np.median(err_test):.4f}", display=False)
glue("recon_ratio", f"{np.median(err_test) / np.median(err_train):.2f}", display=False)
plotting.error_histograms(
    {f"training images (n={n_err})": err_train, f"held-out images (n={n_err})": err_test},
    xlabel="mean squared pixel error per image (pixels in [0, 1])",
    title="Distribution of the reconstruction error",
);

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

# %%
z_train = np.asarray(run.z_train, dtype=np.float64)
b = float(np.quantile(np.abs(z_train), 0.99))
ball_radius = float(np.median(radii(z_train)))
n_random = min(len(run.test_idx), 500)
z_cube = UniformCube(cfg.z_dim, b).sample(n_random, rng)
z_ball = UniformBall(cfg.z_dim, ball_radius).sample(n_random, rng)
glue("cube_b", f"{b:.2f}", display=False)
glue("ball_r", f"{ball_radius:.2f}", display=False)
glue("n_random", f"{n_random}", display=False)
decoded_cube, decoded_ball = run.decode(z_cube), run.decode(z_ball)
plotting.image_grid(decoded_cube[:24], n_cols=12, title=f"Decoded points of the cube [-{b:.2f}, {b:.2f}]^{cfg.z_dim}");
plotting.image_grid(decoded_ball[:24], n_cols=12, title=f"Decoded points of the ball of radius {ball_radius:.2f}");

# %% [markdown]
# To judge the images by numbers and not only by eye, three measures:
#
# 1. **Pixels.** Each decoded image is compared with its nearest training image (root-mean-square pixel
#    distance on 24×24 thumbnails, pixels in [0, 1]). Real held-out faces set the scale: they lie at a median
#    distance of {glue:text}`nn_test` from their nearest training image, their reconstructions at
#    {glue:text}`nn_recon`. Decoded cube points lie at {glue:text}`nn_cube` ({glue:text}`nn_cube_ratio` times
#    the held-out value), ball points at {glue:text}`nn_ball` ({glue:text}`nn_ball_ratio` times). This is a
#    blunt measure: a blurred, greyish image is not much farther from a face's average colours than another
#    face is, so the ratios understate what the eye sees.
# 2. **The latent space.** Take the ellipsoid to which a multivariate normal fitted to the training z-points
#    assigns 99 % of its probability: it holds {glue:text}`in99_test` of the held-out z-points, but
#    {glue:text}`in99_cube` of the cube points and {glue:text}`in99_ball` of the ball points.
# 3. **The encoder's verdict.** Feed the decoded images back to the encoder: the re-encodings of
#    reconstructed held-out faces fall inside that ellipsoid in {glue:text}`re_test` of cases, those of
#    decoded cube points in {glue:text}`re_cube`, of ball points in {glue:text}`re_ball`.

# %%
reference = run.images("train", 3000)
recon_test = run.reconstruct(test_err_imgs[:n_random])
nn = {
    "held-out images": nearest_image_rmse(test_err_imgs[:n_random], reference),
    "reconstructions of held-out images": nearest_image_rmse(recon_test, reference),
    "decoded cube points": nearest_image_rmse(decoded_cube, reference),
    "decoded ball points": nearest_image_rmse(decoded_ball, reference),
}
medians = {name: float(np.median(v)) for name, v in nn.items()}
mean, cov = z_train.mean(axis=0), np.cov(z_train, rowvar=False)
inside = {
    "test": ellipsoid_fraction(np.asarray(run.z_test), mean, cov, levels=(0.99,))[0.99],
    "cube": ellipsoid_fraction(z_cube, mean, cov, levels=(0.99,))[0.99],
    "ball": ellipsoid_fraction(z_ball, mean, cov, levels=(0.99,))[0.99],
}
reencoded = {
    "test": inside_ellipsoid_share(run.encode(recon_test), mean, cov, level=0.99),
    "cube": inside_ellipsoid_share(run.encode(decoded_cube), mean, cov, level=0.99),
    "ball": inside_ellipsoid_share(run.encode(decoded_ball), mean, cov, level=0.99),
}
for key, name in (("test", "held-out images"), ("recon", "reconstructions of held-out images"),
                  ("cube", "decoded cube points"), ("ball", "decoded ball points")):
    glue(f"nn_{key}", f"{medians[name]:.3f}", display=False)
glue("nn_cube_ratio", f"{medians['decoded cube points'] / medians['held-out images']:.1f}", display=False)
glue("nn_ball_ratio", f"{medians['decoded ball points'] / medians['held-out images']:.1f}", display=False)
for key in inside:
    glue(f"in99_{key}", f"{100 * inside[key]:.1f} %", display=False)
    glue(f"re_{key}", f"{100 * reencoded[key]:.1f} %", display=False)
plotting.error_histograms(nn, xlabel="RMS pixel distance to the nearest training image (24×24, pixels in [0, 1])",
                          title="How far decoded images lie from real faces");
pd.DataFrame({"median pixel distance to nearest training image": medians}).round(4)

# %% [markdown]
# ## What this sets up
#
# {glue:text}`verdict`
#
# Why? A point drawn in a cube or ball of $N$ = {glue:text}`z_dim` dimensions is a sum of many independent
# components, and such points concentrate in a thin shell far from where the data lie. The z-points of real
# faces, by contrast, occupy one small region of the latent space. The next chapters measure that region:
#
# - **Chapter 2** looks at the distributions of single latent components and of radii, shows why uniform
#   cubes and balls miss the data, and quantifies how small the data's region is.
# - **Chapter 3** describes the region by a principal component analysis as one compact, off-centre,
#   roughly multivariate-normal *fragment*, and generates faces by sampling inside it.
# - **Chapter 4** tests whether the cloud has small-scale *filaments* that a multivariate normal lacks.

# %%
misses = max(inside["cube"], inside["ball"]) < 0.05 and max(reencoded["cube"], reencoded["ball"]) < 0.5 * reencoded["test"]
verdict = (
    f"On this run, {100 * inside['cube']:.1f} % of the cube points and {100 * inside['ball']:.1f} % of the ball points "
    f"fall in the region that holds 99 % of the data's z-points ({100 * inside['test']:.1f} % of held-out z-points do), "
    f"and after decoding and re-encoding {100 * reencoded['cube']:.1f} % and {100 * reencoded['ball']:.1f} % land there "
    f"(reconstructed held-out faces: {100 * reencoded['test']:.1f} %). "
    + ("As in the blog, simple statistical points miss the region where the encoder puts faces, and the decoder "
       "does not turn them into faces." if misses else
       "Unlike the blog's CelebA run, this run does not show random points clearly missing the data region; "
       "the numbers above say by how much they miss it.")
)
glue("verdict", verdict, display=False)
print(verdict)
