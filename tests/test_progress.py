"""The one progress display (chapter 1): a final line when not a terminal, a bar in a terminal."""
from __future__ import annotations

import io

import pytest

from latent_fragments import progress as progress_module
from latent_fragments.progress import Progress, display_mode, progress


def test_plain_output_gets_only_the_final_line(capsys):
    with progress(total=6000, desc="preparing synthfaces", unit="images") as bar:
        for done in range(0, 6001, 1024):
            bar.set(done)
        bar.set(6000)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("preparing synthfaces: 6000/6000 images (")
    assert out[0].endswith(" img/s)")


def test_iterable_yields_every_item_and_ends_with_one_line(capsys):
    assert list(progress(range(5), "null draws", unit="draws")) == [0, 1, 2, 3, 4]
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("null draws: 5/5 draws (") and out[0].endswith(" draws/s)")


def test_transient_and_disabled_displays_print_nothing(capsys):
    with Progress(10, "epoch 1/2", "steps", leave=False) as bar:
        bar.update(10)
    with Progress(10, "hidden", enabled=False) as bar:
        bar.update(10)
    assert capsys.readouterr().out == ""


def test_mode_follows_the_stream():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert display_mode(Tty()) == "tqdm"
    assert display_mode(io.StringIO()) == "line"


def test_terminal_mode_draws_a_tqdm_bar_on_stderr(capsys):
    with Progress(4, "encoding", "images", mode="tqdm") as bar:
        bar.update(4)
    err = capsys.readouterr().err
    assert "encoding" in err and "4/4" in err


def test_notebook_mode_updates_one_display_in_place(notebook_display, monkeypatch):
    monkeypatch.setattr(progress_module, "NOTEBOOK_INTERVAL", 0.0)
    with Progress(3, "encoding", "images", mode="notebook") as bar:
        bar.update(1)
        bar.update(2)
    assert len(notebook_display) == 4  # the first display, two updates, the final line: all one display handle
    assert notebook_display[-1].startswith("encoding: 3/3 images (")


def test_transient_notebook_display_leaves_no_output_area(monkeypatch):
    """A transient display (an epoch's steps) opens no display at all in a notebook: a display cleared to
    nothing would remain on the rendered page as an empty output box."""
    shown: list[str] = []
    display_module = pytest.importorskip("IPython.display")
    monkeypatch.setattr(display_module, "display", lambda obj, display_id: shown.append(obj.data))
    with Progress(3, "epoch 1/2", "steps", mode="notebook", leave=False) as bar:
        bar.update(3)
    assert shown == [] and bar.mode == "off"
    with Progress(3, "encoding", "images", mode="notebook") as bar:  # a lasting one still shows
        bar.update(3)
    assert len(shown) == 1


def test_encoding_shows_progress_only_when_asked(capsys):
    """``predict_batched(..., desc=...)`` shows the images encoded; no desc, no line."""
    import numpy as np

    from latent_fragments.training import predict_batched

    class Identity:
        def predict_on_batch(self, x):
            return x.reshape(len(x), -1)[:, :2]

    images = np.zeros((10, 2, 2, 3), np.uint8)
    predict_batched(Identity(), images, batch_size=4, desc="encoding")
    predict_batched(Identity(), images, batch_size=4)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("encoding: 10/10 images (")


def test_a_timed_display_shows_time_elapsed_and_to_go_and_a_status(capsys, monkeypatch, notebook_display):
    """Chapter 5's grid: ``timing`` puts the time elapsed and, from the mean time per finished unit, the
    time to go where the rate was; a status follows the counts, in the line, the notebook and tqdm's bar."""
    from types import SimpleNamespace

    from latent_fragments.progress import clock

    now = [0.0]
    monkeypatch.setattr(progress_module, "time", SimpleNamespace(perf_counter=lambda: now[0]))
    with Progress(12, "sweep g", "runs", mode="line", timing=True) as bar:
        now[0] = 3725.0
        bar.set(3, status="1 failed, 4 training")
        assert bar.line() == "sweep g: 3/12 runs (1:02:05 elapsed, about 3:06:15 to go), 1 failed, 4 training"
        now[0] = 5000.0
        bar.set(12, status="1 failed, 0 training")
    assert capsys.readouterr().out == "sweep g: 12/12 runs (1:23:20 elapsed), 1 failed, 0 training\n"
    assert clock(59.6) == "0:01:00" and clock(0) == "0:00:00"
    now[0] = 0.0
    monkeypatch.setattr(progress_module, "NOTEBOOK_INTERVAL", 0.0)
    with Progress(2, "sweep g", "runs", mode="notebook", timing=True) as bar:
        bar.set(0, status="0 failed, 2 training")
        now[0] = 60.0
        bar.set(1, status="0 failed, 1 training")
    first = "sweep g: 0/2 runs (0:00:00 elapsed)"
    later = "sweep g: 1/2 runs (0:01:00 elapsed, about 0:01:00 to go), 0 failed, 1 training"
    assert notebook_display == [first, f"{first}, 0 failed, 2 training", later, later]  # one display, in place
    with Progress(2, "sweep g", "runs", mode="tqdm", timing=True) as bar:
        bar.set(0, status="0 failed, 2 training")  # redrawn with its status though nothing finished
    err = capsys.readouterr().err
    assert "0/2" in err and "0 failed, 2 training" in err
