"""Interactive figures of chapter 3 (Bokeh): the fragment explorer and the axis walk.

They work in the static book and in a live notebook alike: each figure is ``text/html`` made with
:func:`bokeh.embed.components`, and :func:`load_bokeh` (shown once, before them) puts BokehJS itself into the
page inline (no CDN, no request to any network). Each figure carries a still image (JPEG) of its content
that replaces it when the page is printed (CSS ``@media print``). When the page's address ends in
``#lf-selftest``, a small script moves sliders, switches the plane and the colouring and selects a point
through the Bokeh document API, sends a mouse pointer onto a point, and writes what changed, any script
error and any non-file resource the page loaded into ``<pre id="lf-selftest">`` (read by
``tests/test_rendered_book.py``). Colours come from
:mod:`latent_fragments.plots.style`; data are precomputed by :mod:`latent_fragments.pages.explorer`.
"""
from __future__ import annotations

import base64
import html
import io
import itertools
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from bokeh.embed import components
from bokeh.layouts import column, row
from bokeh.models import (ColumnDataSource, CustomJS, Div, HoverTool, LinearColorMapper, Select, Slider,
                          TapTool)
from bokeh.palettes import Viridis256
from bokeh.plotting import figure
from bokeh.resources import Resources

from ..stats.generators import generator_kind
from .style import COLORS, TEXT_PT, color

__all__ = ["AxisWalk", "Frames", "FragmentView", "Interactive", "axis_walk", "fragment_explorer",
           "fragment_layout", "load_bokeh", "walk_layout"]

#: The BokehJS parts the figures use (no WebGL, tables or MathJax: they would add megabytes to the page).
BOKEH_COMPONENTS = ["bokeh", "bokeh-widgets"]
_NONE = "none"
_FRAME_PX = 108

_STYLE = """<style>
.lf-print { display: none; }
@media print { .lf-screen { display: none !important; } .lf-print { display: block; max-width: 100%; } }
</style>"""

#: Collects script errors from the moment BokehJS is loaded (the self-test reports them).
_ERRORS_JS = """<script>
window.lfErrors = window.lfErrors || [];
window.addEventListener("error", (e) => window.lfErrors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.lfErrors.push(String(e.reason)));
</script>"""

_SELFTEST_JS = """<script>
(function () {
  if (window.location.hash !== "#lf-selftest" || window.lfSelftest) { return; }
  window.lfSelftest = true;
  const model = (name) => {
    for (const doc of Bokeh.documents) { const m = doc.get_model_by_name(name); if (m) { return m; } }
    return null;
  };
  const first = (name, column) => { const m = model(name); return m ? String(m.data[column][0]) : null; };
  const report = (result) => {
    const out = document.createElement("pre");
    out.id = "lf-selftest";
    out.textContent = JSON.stringify(result);
    document.body.appendChild(out);
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 200));  // CustomJS runs asynchronously
  const check = async () => {
    const result = {explorers: document.querySelectorAll(".lf-explorer").length};
    const plots = [...Bokeh.index.query((v) => v.model.type === "Figure")];
    result.plots = plots.length;
    result.canvases = plots.filter((v) => v.canvas_view.el.getBoundingClientRect().width > 0).length;
    result.finished = Bokeh.index.roots.every((v) => v.has_finished());
    const slider = model("lf-walk-slider-PC1");
    if (slider) {  // the last frame of the sheet: its last column under the plot
      const before = first("lf-walk-shown-PC1", "x");
      slider.value = slider.end;
      await settle();
      result.slider_changed = before !== first("lf-walk-shown-PC1", "x");
      const shown = model("lf-walk-shown-PC1").data;
      result.slider_frame = shown.x[0] === 1 - shown.w[0];
    }
    const gen = model("lf-walk-slider-generators");
    if (gen) {
      const before = first("lf-walk-shown-generator-0", "x");
      gen.value = gen.end;
      await settle();
      result.generator_changed = before !== first("lf-walk-shown-generator-0", "x");
    }
    const points = model("lf-explorer-hover");
    if (points) {
      // hover: a mouse pointer moved onto a point of the subsample, as the browser would send it
      const k = Math.floor(points.data.url.length / 2);
      const view = plots.find((v) => v.model.name === "lf-explorer-figure");
      const area = view.canvas_view.ui_event_bus.hit_area;
      const box = area.getBoundingClientRect();
      const at = {clientX: box.left + view.frame.x_scale.compute(points.data.pc1[k]),
                  clientY: box.top + view.frame.y_scale.compute(points.data.pc2[k]),
                  isPrimary: true, pointerId: 1, pointerType: "mouse", bubbles: true, composed: true};
      const start = first("lf-explorer-panel", "url");
      area.dispatchEvent(new PointerEvent("pointerover", at));
      area.dispatchEvent(new PointerEvent("pointermove", at));
      await settle();
      result.hover_changed = start !== first("lf-explorer-panel", "url");
      const before = first("lf-explorer-panel", "url");
      points.selected.indices = [points.data.url.length - 1];
      const plane = model("lf-explorer-plane"), ringed = model("lf-explorer-ringed");
      const factor = model("lf-explorer-factor");
      plane.value = plane.options.at(-1);
      factor.value = factor.options.at(-2) ?? factor.value;  // the last label before "none"
      await settle();
      const field = ringed.glyph.fill_color.field;
      result.colour_changed = factor.options.length < 2 || field === "f:" + factor.value;
      result.point_changed = before !== first("lf-explorer-panel", "url");
      result.plane_changed = ringed.glyph.x.field === "pc" + plane.value.match(/\\d+/g)[0];
    }
    result.errors = window.lfErrors || [];
    result.network = performance.getEntriesByType("resource").map((e) => e.name)
      .filter((url) => !url.startsWith("file:") && !url.startsWith("data:"));
    report(result);
  };
  let tries = 0;
  const wait = () => {
    const ready = window.Bokeh && Bokeh.index.roots.length >= document.querySelectorAll(".lf-explorer").length
      && Bokeh.index.roots.every((v) => v.has_finished());
    if (ready || ++tries > 200) { check().catch((e) => report({error: String(e)})); }
    else { setTimeout(wait, 50); }
  };
  window.addEventListener("load", () => setTimeout(wait, 50));
})();
</script>"""


@dataclass(frozen=True)
class FragmentView:
    """The training z-points as the explorer draws them. Introduced in chapter 3.

    ``scores``: (n, k) float32 PCA scores on the leading ``k <= 6`` axes; ``explained``: their shares of the
    variance; ``factors``: per label, uint8 colour codes 0-255 of every point; ``captions``: per label, what
    the codes' range means; ``default``: the label coloured first; ``hover_rows``: the sorted rows of the
    subsample with thumbnails; ``thumbnails``: one ``data:`` URL per hover row (the face beside its
    reconstruction); ``title``: the explorer's heading.
    """

    scores: np.ndarray
    explained: np.ndarray
    factors: dict[str, np.ndarray]
    captions: dict[str, str]
    default: str | None
    hover_rows: np.ndarray
    thumbnails: list[str]
    title: str


@dataclass(frozen=True)
class Frames:
    """Decoded frames of one slider, tiled into one JPEG ``data:`` URL (``url``; one image per page instead of
    one per frame), ``n_rows`` by ``n_cols`` frames, frame ``k`` at row ``k // n_cols`` and column ``k %
    n_cols``; ``values`` gives what each column shows (sigma steps or Mahalanobis distances). Chapter 3."""

    label: str
    kind: str
    url: str
    n_rows: int
    n_cols: int
    values: np.ndarray

    @property
    def n(self) -> int:
        """The number of frames."""
        return self.n_rows * self.n_cols


@dataclass(frozen=True)
class AxisWalk:
    """Decodings for chapter 3's axis walk. Introduced in chapter 3.

    ``axes``: one :class:`Frames` per leading principal axis (one row, a column per step of ``steps``, in
    sigmas of that axis); ``grid``: the plane of the first two axes, frame ``i * len(grid_steps) + j`` (row
    ``i``, column ``j``) at PC1 step ``i`` and PC2 step ``j``; ``generators``: per generator one row of its
    samples, ordered from the centre outwards; ``sheet``: the axes' frames tiled, one row per axis (uint8,
    the printed page's image).
    """

    steps: np.ndarray
    axes: list[Frames]
    grid_steps: np.ndarray
    grid: Frames
    generators: list[Frames]
    sheet: np.ndarray


class Interactive:
    """An interactive figure as HTML (what Jupyter and the book display), ``html``. Chapter 3."""

    def __init__(self, markup: str) -> None:
        self.html = markup

    def _repr_html_(self) -> str:
        return self.html


def load_bokeh() -> Interactive:
    """BokehJS inline (the parts :data:`BOKEH_COMPONENTS`), the print style and the self-test hook: show
    it once, before the interactive figures. Introduced in chapter 3."""
    script = Resources(mode="inline", components=BOKEH_COMPONENTS).render_js()
    return Interactive(_STYLE + _ERRORS_JS + script + _SELFTEST_JS)


def _print_url(fig) -> str:
    """A matplotlib figure as a small JPEG ``data:`` URL (the printed page's still image), closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="jpeg", dpi=60, pil_kwargs={"quality": 70})
    plt.close(fig)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _wrap(layout, print_url: str, alt: str) -> Interactive:
    """The Bokeh layout's script and div, with a static image for print, in one ``.lf-explorer`` block."""
    script, div = components(layout)
    return Interactive(f'<div class="lf-explorer"><div class="lf-screen">{div}</div>'
                       f'<img class="lf-print" src="{print_url}" alt="{html.escape(alt)}"/>{script}</div>')


def _plane_options(k: int) -> list[str]:
    return [f"PC{a + 1} / PC{b + 1}" for a, b in itertools.combinations(range(k), 2)]


def _axis_label(view: FragmentView, axis: int) -> str:
    return f"PC{axis + 1} score ({100 * view.explained[axis]:.1f} % of the variance)"


def _point_data(view: FragmentView, rows: np.ndarray) -> dict:
    """Columns of a point source: every plane score ``pc<i>`` and every factor's codes ``f:<name>`` (the
    glyphs name the columns they show, so switching a plane or a label moves no data)."""
    data = {f"pc{i + 1}": view.scores[rows, i] for i in range(view.scores.shape[1])}
    data.update({f"f:{name}": codes[rows] for name, codes in view.factors.items()})
    return data


def _fill(view: FragmentView, mapper: LinearColorMapper) -> dict:
    """The points' fill: the default label's codes through ``mapper``, or the data's colour."""
    if view.default is None:
        return {"value": COLORS["data"]}
    return {"field": f"f:{view.default}", "transform": mapper}


_RECOLOUR_JS = """
const [a, b] = plane.value.match(/\\d+/g);
const name = factor.value;
const fill = name === "none" ? {value: colour} : {field: "f:" + name, transform: mapper};
for (const renderer of renderers) {
  renderer.glyph.x = {field: "pc" + a};
  renderer.glyph.y = {field: "pc" + b};
  renderer.glyph.fill_color = fill;
}
const label = (i) => "PC" + i + " score (" + (100 * explained[i - 1]).toFixed(1) + " % of the variance)";
xaxis.axis_label = label(a);
yaxis.axis_label = label(b);
caption.text = captions[name] || "";
"""

_PANEL_JS = """
const i = indices.length ? indices[0] : null;
if (i !== null) { panel.data = {url: [points.data.url[i]], x: [0], y: [0], w: [2], h: [1]}; }
"""


def _image_plot(source: ColumnDataSource, width: int, height: int, title: str = "", x_end: float = 1.0):
    """A bare plot (no axes, no tools) that shows the ``url`` images of ``source``."""
    fig = figure(width=width, height=height, x_range=(0, x_end), y_range=(0, 1), toolbar_location=None,
                 title=title or None, min_border=2, tools="")
    fig.axis.visible = False
    fig.grid.visible = False
    fig.title.text_font_size = "8pt"
    fig.image_url(url="url", x="x", y="y", w="w", h="h", anchor="bottom_left", source=source)
    return fig


def _explorer_print_image(view: FragmentView) -> str:
    fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
    colour = {"c": view.factors[view.default], "cmap": "viridis"} if view.default else {"c": COLORS["data"]}
    ax.scatter(view.scores[:, 0], view.scores[:, 1], s=3, **colour)
    ax.set_xlabel("PC1 score")
    ax.set_ylabel("PC2 score")
    ax.set_title(f"PC1 / PC2, coloured by {view.default or 'nothing'}", fontsize=TEXT_PT)
    return _print_url(fig)


def fragment_layout(view: FragmentView):
    """The Bokeh layout of :func:`fragment_explorer` (plot, selects, caption, image panel). Chapter 3."""
    plain = np.setdiff1d(np.arange(len(view.scores)), view.hover_rows)
    everyone = ColumnDataSource(_point_data(view, plain), name="lf-explorer-points")
    points = ColumnDataSource({**_point_data(view, view.hover_rows), "url": view.thumbnails,
                               "row": view.hover_rows}, name="lf-explorer-hover")
    mapper = LinearColorMapper(palette=list(Viridis256), low=0, high=255)
    fig = figure(width=440, height=420, title=view.title, tools="pan,wheel_zoom,box_zoom,reset",
                 name="lf-explorer-figure", x_axis_label=_axis_label(view, 0),
                 y_axis_label=_axis_label(view, 1), toolbar_location="above")
    fig.title.text_font_size = "9pt"
    fill = _fill(view, mapper)
    dots = fig.scatter("pc1", "pc2", source=everyone, size=3, fill_color=fill, line_color=None, alpha=0.6,
                       name="lf-explorer-dots")
    hovered = fig.scatter("pc1", "pc2", source=points, size=7, fill_color=fill, line_color="black",
                          line_width=0.5, name="lf-explorer-ringed")
    hover = HoverTool(renderers=[hovered], tooltips='<img src="@url" width="160" height="80"/>'
                      '<div>training image @row (left) and its reconstruction</div>')
    fig.add_tools(hover, TapTool(renderers=[hovered]))
    panel_source = ColumnDataSource({"url": [view.thumbnails[0]], "x": [0], "y": [0], "w": [2], "h": [1]},
                                    name="lf-explorer-panel")
    panel = _image_plot(panel_source, 2 * 105, 105 + 30, "image and reconstruction", x_end=2.0)
    options = _plane_options(view.scores.shape[1])
    plane = Select(title="principal plane", value=options[0], options=options, name="lf-explorer-plane",
                   width=190)
    factor = Select(title="colour by", value=view.default or _NONE, options=[*view.factors, _NONE],
                    name="lf-explorer-factor", width=190)
    caption = Div(text=view.captions.get(view.default, ""), width=210)
    recolour = CustomJS(args=dict(plane=plane, factor=factor, renderers=[dots, hovered], xaxis=fig.xaxis[0],
                                  yaxis=fig.yaxis[0], mapper=mapper, colour=COLORS["data"],
                                  captions=view.captions, caption=caption,
                                  explained=[float(e) for e in view.explained]),
                        code=_RECOLOUR_JS)
    plane.js_on_change("value", recolour)
    factor.js_on_change("value", recolour)
    show = dict(points=points, panel=panel_source)
    hover.callback = CustomJS(args=show, code="const indices = cb_data.index.indices;" + _PANEL_JS)
    on_tap = CustomJS(args=show, code="const indices = cb_obj.indices;" + _PANEL_JS)
    points.selected.js_on_change("indices", on_tap)
    return row(fig, column(plane, factor, caption, panel))


def fragment_explorer(view: FragmentView) -> Interactive:
    """The training z-points in a principal plane, coloured by a ground-truth label. Chapter 3.

    Selects choose the plane (pairs of the first six axes) and the label; hovering (or tapping) one of the
    subsample's ringed points shows its face beside its reconstruction, in the tooltip and in the panel
    beside the plot.
    """
    alt = (f"Scatter plot of the first two principal components of the training z-points, coloured by "
           f"{view.default or 'nothing'}")
    return _wrap(fragment_layout(view), _explorer_print_image(view), alt)


#: Shows frame ``k`` of a sheet of ``rows`` x ``cols`` frames: moves the sheet under the plot's unit square.
_FRAME_JS = """
const frame = (shown, k, rows, cols) => {
  const r = Math.floor(k / cols), c = k % cols;
  shown.data = Object.assign({}, shown.data, {x: [-c], y: [r - rows + 1]});
};
"""


def _sheet_source(frames: Frames, name: str, k: int) -> ColumnDataSource:
    """The data of a plot that shows frame ``k`` of ``frames``' sheet (the sheet's url and its offset)."""
    row, col = divmod(k, frames.n_cols)
    return ColumnDataSource({"url": [frames.url], "x": [-col], "y": [row - frames.n_rows + 1],
                             "w": [frames.n_cols], "h": [frames.n_rows]}, name=f"lf-walk-shown-{name}")


def _frame_slider(frames: Frames, title: str, start: float, step: float, width: int):
    """A slider over a row of frames (values ``start, start + step, ...``) and the plot of its frame."""
    middle = frames.n // 2
    shown = _sheet_source(frames, frames.label, middle)
    slider = Slider(start=start, end=start + step * (frames.n - 1), step=step, value=start + step * middle,
                    title=title, width=width, name=f"lf-walk-slider-{frames.label}")
    code = _FRAME_JS + "frame(shown, Math.round((cb_obj.value - start) / step), 1, cols);"
    slider.js_on_change("value", CustomJS(args=dict(shown=shown, start=start, step=step, cols=frames.n_cols),
                                          code=code))
    return slider, _image_plot(shown, width, width, frames.label)


def _grid_block(walk: AxisWalk):
    steps = walk.grid_steps
    step = float(steps[1] - steps[0])
    middle = len(steps) // 2
    shown = _sheet_source(walk.grid, "grid", middle * len(steps) + middle)
    sliders = [Slider(start=float(steps[0]), end=float(steps[-1]), step=step, value=float(steps[middle]),
                      title=f"PC{axis + 1} (σ)", width=180, name=f"lf-walk-slider-grid-PC{axis + 1}")
               for axis in range(2)]
    code = _FRAME_JS + ("const i = Math.round((a.value - start) / step);"
                        "const j = Math.round((b.value - start) / step);"
                        "frame(shown, i * n + j, n, n);")
    update = CustomJS(args=dict(a=sliders[0], b=sliders[1], shown=shown, n=len(steps), start=float(steps[0]),
                                step=step), code=code)
    for slider in sliders:
        slider.js_on_change("value", update)
    return column(_image_plot(shown, 180, 180, "PC1 and PC2 together"), *sliders)


def _generator_block(walk: AxisWalk):
    """One slider through every generator's samples, nearest to the centre first, shown side by side."""
    gens = walk.generators
    n = min(g.n for g in gens)
    shown = [_sheet_source(g, f"generator-{i}", 0) for i, g in enumerate(gens)]
    plots = [_image_plot(source, _FRAME_PX, _FRAME_PX + 24, generator_kind(g.kind).title)
             for g, source in zip(gens, shown)]
    for fig, g in zip(plots, gens):
        fig.title.text_color = color(g.kind)
    distances = Div(text=", ".join(f"{g.label}: {g.values[0]:.1f} σ" for g in gens),
                    width=_FRAME_PX * len(gens))
    slider = Slider(start=0, end=n - 1, step=1, value=0, width=_FRAME_PX * len(gens),
                    title="sample (ordered by Mahalanobis distance from the centre)",
                    name="lf-walk-slider-generators")
    code = _FRAME_JS + ("const i = cb_obj.value;"
                        "shown.forEach((source, g) => frame(source, i, 1, cols[g]));"
                        "text.text = names.map((name, g) => name + ': ' + values[g][i].toFixed(1) + ' σ')"
                        ".join(', ');")
    args = dict(shown=shown, cols=[g.n_cols for g in gens], names=[g.label for g in gens],
                values=[[float(v) for v in g.values] for g in gens], text=distances)
    slider.js_on_change("value", CustomJS(args=args, code=code))
    return column(row(*plots), slider, distances)


def _walk_print_image(walk: AxisWalk) -> str:
    height = 8 * walk.sheet.shape[0] / walk.sheet.shape[1] + 0.4
    fig, ax = plt.subplots(figsize=(8, height), layout="constrained")
    ax.imshow(walk.sheet)
    ax.set_axis_off()
    ax.set_title(f"decoded points along PC1 ... PC{len(walk.axes)} (rows), −3σ to +3σ", fontsize=TEXT_PT)
    return _print_url(fig)


def walk_layout(walk: AxisWalk):
    """The Bokeh layout of :func:`axis_walk`: a slider and frame per axis, the PC1-PC2 grid, the
    generators. Introduced in chapter 3."""
    step = float(walk.steps[1] - walk.steps[0])
    axes = [column(*reversed(_frame_slider(frames, f"{frames.label} (σ)", float(walk.steps[0]), step,
                                           _FRAME_PX)))
            for frames in walk.axes]
    lower = row(_grid_block(walk), _generator_block(walk)) if walk.generators else _grid_block(walk)
    return column(row(*axes), lower)


def axis_walk(walk: AxisWalk) -> Interactive:
    """Sliders over precomputed decodings: each leading principal axis on its own (in sigmas), the plane
    of the first two, and each generator's samples from the centre outwards. Introduced in chapter 3."""
    alt = "Rows of faces decoded along each of the first five principal axes from minus to plus three sigma"
    return _wrap(walk_layout(walk), _walk_print_image(walk), alt)
