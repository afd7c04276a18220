"""Statistics of z-point clouds: generators of latent points, per-component statistics, the fragment, filaments, image quality."""
