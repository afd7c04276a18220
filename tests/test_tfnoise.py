"""TensorFlow's start-up noise filtered off file descriptor 2 (latent_fragments.tfnoise), while every
other line, the project's own warnings included, still gets through."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

from latent_fragments import tfnoise

NOISE_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
    "I0000 00:00:1796160806.440227   29257 port.cc:153] oneDNN custom operations are on. You may see "
    "slightly different numerical results\n",
    "I0000 00:00:1796160839.937997   29427 cpu_feature_guard.cc:227] This TensorFlow binary is optimized\n",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with "
    "the appropriate compiler flags.\n",
    "E0000 00:00:1796160820.864070   29087 meta_optimizer.cc:967] remapper failed: INVALID_ARGUMENT: "
    "Mutation::Apply error: fanout 'x/LeakyRelu/LeakyReluGrad' exist for missing node 'y'.\n",
]
KEPT_LINES = ["UserWarning: the synthfaces cache was rebuilt: renderer changed\n",
              "E0000 00:00:1 meta_optimizer.cc:967] layout failed: something else\n", "skipped 3 files\n"]


def test_keep_lines_drops_exactly_the_noise():
    assert tfnoise.keep_lines("".join(NOISE_LINES + KEPT_LINES)) == "".join(KEPT_LINES)
    assert tfnoise.keep_lines("".join(NOISE_LINES)) == ""


def test_filtered_stderr_captures_descriptor_2_and_passes_the_rest(capfd):
    with tfnoise.filtered_stderr():
        os.write(2, "".join(NOISE_LINES[:2] + KEPT_LINES[:1]).encode())
        print("project warning", file=sys.stderr)
    captured = capfd.readouterr()
    assert "oneDNN" not in captured.err and "absl" not in captured.err
    assert KEPT_LINES[0] in captured.err and "project warning" in captured.err


def test_import_of_tensorflow_prints_no_noise():
    """A fresh interpreter that quietens TensorFlow where it starts (:func:`tfnoise.quiet`), then imports
    Keras (and with it TensorFlow), prints only what the script prints itself."""
    script = ("import sys; from latent_fragments import tfnoise; tfnoise.quiet(); import keras; "
              "keras.ops.convert_to_tensor([1.0]); print('own warning', file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr.strip() == "own warning", proc.stderr[-2000:]


def test_install_is_idempotent():
    before = list(sys.meta_path)
    tfnoise.install()
    tfnoise.install()
    assert len([f for f in sys.meta_path if isinstance(f, tfnoise._QuietFinder)]) <= 1
    sys.meta_path[:] = before


def test_filter_descriptor_2_keeps_filtering_for_the_rest_of_the_process():
    """In a fresh interpreter: after the filter starts, noise written to descriptor 2 disappears and
    other lines pass, up to the end of the stream."""
    script = (
        "import os\n"
        "from latent_fragments import tfnoise\n"
        "thread = tfnoise.filter_descriptor_2()\n"
        f"os.write(2, {''.join(NOISE_LINES + KEPT_LINES)!r}.encode())\n"
        "os.close(2)\n"
        "thread.join(10)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stderr == "".join(KEPT_LINES)


def test_retracing_warnings_of_the_tensorflow_logger_are_dropped(caplog):
    tfnoise.install()
    logger = logging.getLogger("tensorflow")
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        logger.warning("5 out of the last 15 calls to <function f> triggered tf.function retracing. Tracing...")
        logger.warning("a real problem")
    assert [r.getMessage() for r in caplog.records] == ["a real problem"]


def test_importing_the_package_changes_nothing_in_the_process():
    """``import latent_fragments`` (and its light modules) sets no environment variable and installs no
    import hook; :func:`tfnoise.quiet`, called where a program starts, does both."""
    script = (
        "import os, sys, json\n"
        "env, hooks = dict(os.environ), list(sys.meta_path)\n"
        "import latent_fragments, latent_fragments.config, latent_fragments.tfnoise, latent_fragments.chapter\n"
        "same = dict(os.environ) == env and sys.meta_path == hooks\n"
        "latent_fragments.tfnoise.quiet()\n"
        "print(json.dumps([same, os.environ.get('TF_CPP_MIN_LOG_LEVEL'), len(sys.meta_path) - len(hooks)]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == [True, "2", 1]
