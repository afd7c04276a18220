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


def test_notebook_mode_updates_one_display_in_place(monkeypatch):
    shown: list[str] = []

    class Handle:
        def update(self, obj) -> None:
            shown.append(obj.data)

    display_module = pytest.importorskip("IPython.display")
    monkeypatch.setattr(display_module, "display", lambda obj, display_id: shown.append(obj.data) or Handle())
    monkeypatch.setattr(progress_module, "NOTEBOOK_INTERVAL", 0.0)
    with Progress(3, "encoding", "images", mode="notebook") as bar:
        bar.update(1)
        bar.update(2)
    assert len(shown) == 4  # the first display, two updates, the final line: all one display handle
    assert shown[-1].startswith("encoding: 3/3 images (")


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
