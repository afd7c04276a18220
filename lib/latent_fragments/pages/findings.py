"""The findings page (chapter 6): every claim of the series once, with the verdict the chapters recorded.

The chapters decide; this module only words what they recorded with
:func:`latent_fragments.findings_store.record_findings`. Each claim is decided by one chapter
(:data:`CLAIMS`); its record ``findings["chN"]["claims"][key]`` holds a verdict (:data:`VERDICTS`),
the deciding figure, the section that measures it and why. Chapter 5 adds ``"across_variants"``
(claim key -> text), ``"variants"`` (adequate runs) and ``"excluded"`` (run -> reason). A chapter that
has not recorded a claim shows as "not measured: run chapter N", never as an error.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import pct

__all__ = ["Claim", "CLAIMS", "CHAPTERS", "VERDICTS", "BLOG_SCALE", "SETTINGS", "run_settings", "claim_record",
           "verdict_cell", "figure_cell", "section_cell", "variants_cell", "scale_cell", "findings_table",
           "claim_cards", "summary_paragraph", "calibration_note", "variants_note"]

#: The four verdicts a chapter may record for a claim.
VERDICTS = ("holds", "partly", "does not hold", "not testable here")

#: The blog's training set: CelebA, 170,000 images (part I).
BLOG_SCALE = ("celeba", 170_000)

#: Chapter number -> its notebook, for links (chapter 6 renders its Markdown outputs as MyST, so a link to
#: ``NN_name.ipynb`` becomes a link to the chapter's page).
CHAPTERS: dict[int, str] = {1: "01_ae_basics", 2: "02_component_distributions", 3: "03_pca_fragment",
                            4: "04_filaments", 5: "05_generality"}

Findings = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Claim:
    """One claim of the series: its key, where the series makes it, its words, the chapter that decides it.
    Introduced in chapter 6."""

    key: str
    part: str
    words: str
    chapter: int


#: The series' claims in the series' order (COMMON.md's contract; text from the blog series).
CLAIMS: tuple[Claim, ...] = (
    Claim("cube_shell", "Part II", "uniform-cube vectors sit in a thin shell of radius b·√(N/3)", 2),
    Claim("statistical_points_miss", "Parts I, V, VI",
          "random points in a cube or ball around the origin miss the z-points' region", 2),
    Claim("offcentre_region", "Parts III–IV",
          "the z-points fill a small region whose centre lies away from the origin", 2),
    Claim("origin_near_border", "Part IV", "the origin lies close to the region's border", 2),
    Claim("few_main_axes", "Parts IV, IX", "the region extends along a few main axes", 3),
    Claim("close_to_mnd", "Part IX", "the z-points are close to a multivariate normal", 3),
    Claim("dense_core_mnd", "Follow-up 2023-07",
          "a dense core holding > 80 % of the points is a multivariate normal", 3),
    Claim("faces_from_region", "Parts VII–VIII, X",
          "points drawn inside the region (a normal fitted to the z-points) decode to faces", 3),
    Claim("no_separate_fragments", "Part VI", "one compact region, not several fragments", 4),
    Claim("filaments", "Part I, 2022 posts", "filamental structures on small scales", 4),
    Claim("unenforced_mnd", "2024 series",
          "a plain convolutional AE maps faces onto a multivariate normal without any constraint", 5),
    Claim("vae_needed", "Textbook", "a VAE is needed to generate from a prior; a plain AE cannot", 5),
)


def claim_record(verdict: str, figure: str, section: str, why: str) -> dict[str, str]:
    """One claim's entry of a chapter's record, checked against :data:`VERDICTS`. Introduced in chapter 6.

    The chapters' ``pages`` modules build their claims with it, so every record has the same fields.
    """
    if verdict not in VERDICTS:
        raise ValueError(f"verdict {verdict!r} is not one of {VERDICTS}")
    return {"verdict": verdict, "figure": figure, "section": section, "why": why}


#: The fields of a run's configuration that a chapter's record keeps as its settings.
SETTINGS = ("dataset", "n_images", "z_dim", "epochs", "batch_size", "seed", "profile")


def run_settings(cfg: Any, **extra: Any) -> dict[str, Any]:
    """The settings a chapter records (:data:`SETTINGS` of its ``RunConfig`` and ``extra`` parameters).
    Introduced in chapter 6."""
    return {**{name: getattr(cfg, name) for name in SETTINGS}, **extra}


def _chapter_key(claim: Claim) -> str:
    return f"ch{claim.chapter}"


def _recorded(claim: Claim, findings: Findings) -> Mapping[str, str] | None:
    record = findings.get(_chapter_key(claim)) or {}
    entry = (record.get("claims") or {}).get(claim.key)
    return entry if isinstance(entry, Mapping) and entry.get("verdict") in VERDICTS else None


def _not_measured(claim: Claim, findings: Findings, link: bool = False) -> str:
    chapter = f"[chapter {claim.chapter}]({CHAPTERS[claim.chapter]}.ipynb)" if link else f"chapter {claim.chapter}"
    if _chapter_key(claim) in (findings.get("_errors") or {}):
        return f"not measured: chapter {claim.chapter}'s record could not be read; run {chapter} again"
    return f"not measured: run {chapter}"


def verdict_cell(claim: Claim, findings: Findings) -> str:
    """This run's verdict on ``claim`` ("not testable here" with its reason), or "not measured: run
    chapter N" when the deciding chapter has not recorded it. Introduced in chapter 6."""
    entry = _recorded(claim, findings)
    if entry is None:
        return _not_measured(claim, findings)
    if entry["verdict"] == "not testable here":
        return f"not testable here: {entry.get('why') or 'no reason recorded'}"
    return str(entry["verdict"])


def figure_cell(claim: Claim, findings: Findings) -> str:
    """The deciding figure with its interval, as the chapter recorded it ("—" if none). Chapter 6."""
    entry = _recorded(claim, findings)
    return str(entry.get("figure") or "—") if entry is not None else "—"


def section_cell(claim: Claim, findings: Findings) -> str:
    """A Markdown link to the chapter that measures ``claim``, named by the recorded section if any.
    Introduced in chapter 6."""
    notebook = CHAPTERS[claim.chapter]
    entry = _recorded(claim, findings)
    name = str(entry.get("section")) if entry is not None and entry.get("section") else f"Chapter {claim.chapter}"
    return f"[{name}]({notebook}.ipynb)"


def variants_cell(claim: Claim, findings: Findings) -> str:
    """The verdict across chapter 5's variants, as chapter 5 recorded it. Introduced in chapter 6."""
    if "ch5" not in findings:
        return "not measured: run chapter 5"
    text = (findings["ch5"].get("across_variants") or {}).get(claim.key)
    if text:
        return str(text)
    return "chapter 5's own claim: its verdict is over the adequate runs" if claim.chapter == 5 else \
        "not in chapter 5's grid"


def scale_cell(dataset: str, n_images: int) -> str:
    """Whether a run tests the claims on real faces at the blog's scale (CelebA, >= 170,000 images).
    Introduced in chapter 6."""
    name = "CelebA" if dataset == BLOG_SCALE[0] else dataset
    verdict = "yes" if dataset == BLOG_SCALE[0] and n_images >= BLOG_SCALE[1] else "no"
    return f"{verdict}: {name}, {n_images:,} images"


def _row_scale(claim: Claim, findings: Findings, dataset: str, n_images: int) -> str:
    if _recorded(claim, findings) is None:
        return "not tested"
    return scale_cell(dataset, n_images)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def findings_table(findings: Findings, dataset: str, n_images: int) -> str:
    """The page's table as Markdown: claim, this run's verdict (linked to its section), the verdict across
    chapter 5's variants, and whether it was tested on real faces at the blog's scale. Chapter 6."""
    lines = ["| Claim of the series | This run | Across chapter 5's variants | Real faces, blog's scale? |",
             "| --- | --- | --- | --- |"]
    for claim in CLAIMS:
        entry = _recorded(claim, findings)
        verdict = (f"**{entry['verdict']}** ({section_cell(claim, findings)})" if entry is not None
                   else _not_measured(claim, findings, link=True))
        cells = (f"{claim.part}: {claim.words}", verdict,
                 variants_cell(claim, findings), _row_scale(claim, findings, dataset, n_images))
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def claim_cards(findings: Findings) -> str:
    """One Markdown card per claim: verdict and why, the deciding figure, the section. Chapter 6."""
    cards = []
    for claim in CLAIMS:
        entry = _recorded(claim, findings)
        head = f"**{claim.part}: {claim.words}.** {_sentence(verdict_cell(claim, findings))}"
        if entry is None:
            cards.append(head)
            continue
        why = f" {_sentence(entry['why'])}" if entry.get("why") and entry["verdict"] != "not testable here" else ""
        cards.append(f"{head}{why}\n- Deciding figure: {figure_cell(claim, findings)}\n"
                     f"- Measured in: {section_cell(claim, findings)}")
    return "\n\n".join(cards)


def _counted(findings: Findings) -> dict[str, int]:
    counts = {verdict: 0 for verdict in (*VERDICTS, "not measured")}
    for claim in CLAIMS:
        entry = _recorded(claim, findings)
        counts[entry["verdict"] if entry is not None else "not measured"] += 1
    return counts


def _scale_sentence(dataset: str, n_images: int, epochs: int) -> str:
    size = f"{n_images:,} images, {epochs} epochs"
    if dataset == BLOG_SCALE[0] and n_images >= BLOG_SCALE[1]:
        return f"This run is on CelebA at the blog's scale ({size})."
    if dataset == BLOG_SCALE[0]:
        return (f"This run is on CelebA at a reduced scale ({size}; the blog used 170,000 images and 24 epochs): "
                "no verdict here is a test at the blog's scale.")
    if dataset == "synthfaces":
        return (f"This run is on synthetic faces drawn by the book's own renderer ({size}), not on real photos, "
                "and at a reduced scale (the blog: 170,000 CelebA photos, 24 epochs): every verdict here is about "
                "this synthetic run, and none tests the series' claims on real faces at the blog's scale.")
    return (f"This run is on {dataset} ({size}), not on CelebA at the blog's scale (170,000 photos, 24 epochs): "
            "no verdict here tests the series' claims at that scale.")


def summary_paragraph(findings: Findings, dataset: str, n_images: int, epochs: int) -> str:
    """How many claims hold, partly hold, do not hold, are not testable or not yet measured, and on what
    data and scale this run is. Introduced in chapter 6."""
    counts = _counted(findings)

    def n(verdict: str, one: str, many: str) -> str:
        return f"{counts[verdict]} {one if counts[verdict] == 1 else many}"

    text = (f"Of the series' {len(CLAIMS)} claims, {n('holds', 'holds', 'hold')} on this run, "
            f"{n('partly', 'holds partly', 'hold partly')}, {n('does not hold', 'does not hold', 'do not hold')} "
            f"and {n('not testable here', 'is not testable here', 'are not testable here')}.")
    missing = sorted({claim.chapter for claim in CLAIMS if _recorded(claim, findings) is None})
    if missing:
        chapters = ("chapter " if len(missing) == 1 else "chapters ") + ", ".join(str(k) for k in missing)
        text += (f" {n('not measured', 'is', 'are')} not measured yet: {chapters} "
                 f"{'has' if len(missing) == 1 else 'have'} not recorded them for this run.")
    return f"{text} {_scale_sentence(dataset, n_images, epochs)}"


def calibration_note(findings: Findings) -> str:
    """Chapter 1's calibration check, which every verdict about "the region" leans on: the held-out share
    in the 99 % predictive region with its exact interval. Introduced in chapter 6."""
    held = (findings.get("ch1") or {}).get("held_out_in_region")
    if not held:
        return "Chapter 1 has not recorded its calibration check for this run: run chapter 1."
    lo, hi = held["interval95"]
    meaning = {"within": "as a normal model of the z-points predicts",
               "below": "fewer than a normal model of the z-points predicts: new faces stray farther out",
               "above": "more than a normal model of the z-points predicts"}[held["agreement"]]
    return (f"The region these verdicts speak of is chapter 1's predictive region, fitted to the training "
            f"z-points: it should hold {pct(held['level'], 0)} of new z-points and holds {pct(held['share'])} of "
            f"the held-out ones (95 % interval {pct(lo)} to {pct(hi)}), {meaning}.")


def variants_note(findings: Findings) -> str:
    """Which of chapter 5's runs its "across variants" verdicts rest on, and which it excluded. Chapter 6."""
    if "ch5" not in findings:
        return "Chapter 5 has not recorded its variants for this run: run chapter 5 to fill that column."
    record = findings["ch5"]
    variants: Sequence[str] = record.get("variants") or []
    text = (f"The column across chapter 5's variants rests on its {len(variants)} adequate runs "
            f"({', '.join(variants)})." if variants else "Chapter 5 recorded no adequate run.")
    excluded: Mapping[str, str] = record.get("excluded") or {}
    if excluded:
        text += " Excluded: " + "; ".join(f"{name} ({reason})" for name, reason in excluded.items()) + "."
    return text
