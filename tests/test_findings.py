"""The findings page (latent_fragments.pages.findings): every cell from fake records, one test per branch."""
from __future__ import annotations

import pytest

from latent_fragments.pages import findings as page
from latent_fragments.pages.findings import CLAIMS, claim_record

SHELL = next(c for c in CLAIMS if c.key == "cube_shell")
VAE = next(c for c in CLAIMS if c.key == "vae_needed")


def _ch2(verdict: str = "holds", why: str = "the measured radii follow the law") -> dict:
    return {"settings": {"z_dim": 256}, "claims": {"cube_shell": claim_record(
        verdict, "⟨R⟩ within 1.2 standard errors of b·√(N/3) [|dev| 0–1.2]", "Chapter 2, Radii", why)}}


def _ch5() -> dict:
    return {"across_variants": {"vae_needed": "does not hold in 2 of 2 adequate runs"},
            "variants": ["base", "batch-norm"], "excluded": {"small": "reconstruction 3x chapter 1's"}}


def test_claims_follow_the_contract_in_the_series_order():
    assert [c.key for c in CLAIMS] == [
        "cube_shell", "statistical_points_miss", "offcentre_region", "origin_near_border", "few_main_axes",
        "close_to_mnd", "dense_core_mnd", "faces_from_region", "no_separate_fragments", "filaments",
        "unenforced_mnd", "vae_needed"]
    assert all(c.chapter in page.CHAPTERS for c in CLAIMS)


def test_run_settings_keep_the_configuration_and_extras():
    from types import SimpleNamespace

    cfg = SimpleNamespace(dataset="orl", n_images=400, z_dim=64, epochs=40, batch_size=32, seed=1, profile="small",
                          filters=(1, 2))
    assert page.run_settings(cfg, compare="orl") == {"dataset": "orl", "n_images": 400, "z_dim": 64, "epochs": 40,
                                                     "batch_size": 32, "seed": 1, "profile": "small",
                                                     "compare": "orl"}


def test_claim_record_checks_the_verdict():
    assert claim_record("partly", "f", "s", "w") == {"verdict": "partly", "figure": "f", "section": "s", "why": "w"}
    with pytest.raises(ValueError, match="not one of"):
        claim_record("mostly", "f", "s", "w")


@pytest.mark.parametrize("verdict", ["holds", "partly", "does not hold"])
def test_verdict_cell_states_a_recorded_verdict(verdict):
    assert page.verdict_cell(SHELL, {"ch2": _ch2(verdict)}) == verdict


def test_verdict_cell_says_why_not_testable():
    cell = page.verdict_cell(SHELL, {"ch2": _ch2("not testable here", "too few points")})
    assert cell == "not testable here: too few points"


def test_verdict_cell_of_a_missing_record_or_claim_says_which_chapter_to_run():
    assert page.verdict_cell(SHELL, {}) == "not measured: run chapter 2"
    assert page.verdict_cell(SHELL, {"ch2": {"claims": {}}}) == "not measured: run chapter 2"
    assert page.verdict_cell(VAE, {"ch2": _ch2()}) == "not measured: run chapter 5"


def test_verdict_cell_of_an_unreadable_record():
    findings = {"_errors": {"ch2": "ch2.json: JSONDecodeError"}}
    cell = page.verdict_cell(SHELL, findings)
    assert cell == "not measured: chapter 2's record could not be read; run chapter 2 again"
    row = page.findings_table(findings, "orl", 400).splitlines()[2]
    assert "run [chapter 2](02_component_distributions.ipynb) again" in row


def test_figure_and_section_cells():
    findings = {"ch2": _ch2()}
    assert page.figure_cell(SHELL, findings).startswith("⟨R⟩ within 1.2 standard errors")
    assert page.figure_cell(SHELL, {}) == "—"
    assert page.section_cell(SHELL, findings) == "[Chapter 2, Radii](02_component_distributions.ipynb)"
    assert page.section_cell(SHELL, {}) == "[Chapter 2](02_component_distributions.ipynb)"


def test_variants_cell_branches():
    assert page.variants_cell(VAE, {"ch5": _ch5()}) == "does not hold in 2 of 2 adequate runs"
    assert page.variants_cell(SHELL, {"ch5": _ch5()}) == "not in chapter 5's grid"
    assert page.variants_cell(SHELL, {}) == "not measured: run chapter 5"
    unenforced = next(c for c in CLAIMS if c.key == "unenforced_mnd")  # decided by chapter 5 itself
    assert page.variants_cell(unenforced, {"ch5": _ch5()}) == \
        "chapter 5's own claim: its verdict is over the adequate runs"


@pytest.mark.parametrize("dataset, n, cell", [("synthfaces", 600, "no: synthfaces, 600 images"),
                                              ("orl", 400, "no: orl, 400 images"),
                                              ("celeba", 20_000, "no: CelebA, 20,000 images"),
                                              ("celeba", 170_000, "yes: CelebA, 170,000 images")])
def test_scale_cell(dataset, n, cell):
    assert page.scale_cell(dataset, n) == cell


def test_table_has_a_row_per_claim_and_escapes_pipes():
    table = page.findings_table({"ch2": _ch2(), "ch5": _ch5()}, "synthfaces", 6000).splitlines()
    assert len(table) == 2 + len(CLAIMS) and all(line.count(" | ") == 3 for line in table)
    shell = table[2]
    assert "**holds** ([Chapter 2, Radii](02_component_distributions.ipynb))" in shell
    assert "no: synthfaces, 6,000 images" in shell
    assert "| not measured: run [chapter 3](03_pca_fragment.ipynb) |" in table[2 + 4]
    assert "| not tested |" in table[2 + 4]
    pipe = {"ch5": {"across_variants": {"cube_shell": "|r| > 0.3 in 1 of 2"}}}
    assert "\\|r\\| > 0.3" in page.findings_table(pipe, "synthfaces", 600).splitlines()[2]


def test_cards_show_figure_and_why_only_where_recorded():
    cards = page.claim_cards({"ch2": _ch2()}).split("\n\n")
    assert len(cards) == len(CLAIMS)
    assert cards[0].startswith("**Part II: uniform-cube vectors")
    assert "Holds. The measured radii follow the law." in cards[0]
    assert "- Deciding figure: ⟨R⟩ within" in cards[0]
    assert "- Measured in: [Chapter 2, Radii]" in cards[0]
    assert cards[-1].endswith("Not measured: run chapter 5.") and "Deciding figure" not in cards[-1]
    untestable = page.claim_cards({"ch2": _ch2("not testable here", "too few points")}).split("\n\n")[0]
    assert "Not testable here: too few points." in untestable and untestable.count("too few points") == 1


def test_summary_counts_and_names_missing_chapters():
    findings = {"ch2": {"claims": {
        "cube_shell": claim_record("holds", "", "", ""), "statistical_points_miss": claim_record("holds", "", "", ""),
        "offcentre_region": claim_record("partly", "", "", ""),
        "origin_near_border": claim_record("does not hold", "", "", "")}}}
    text = page.summary_paragraph(findings, "synthfaces", 600, 2)
    assert text.startswith("Of the series' 12 claims, 2 hold on this run, 1 holds partly, 1 does not hold and "
                           "0 are not testable here. 8 are not measured yet: chapters 3, 4, 5 have not recorded")
    assert "synthetic faces drawn by the book's own renderer (600 images, 2 epochs)" in text


def test_summary_without_missing_chapters_states_no_missing():
    every = {f"ch{n}": {"claims": {c.key: claim_record("not testable here", "", "", "") for c in CLAIMS
                                   if c.chapter == n}} for n in (2, 3, 4, 5)}
    text = page.summary_paragraph(every, "orl", 400, 40)
    assert "0 hold on this run, 0 hold partly, 0 do not hold and 12 are not testable here." in text
    assert "not measured yet" not in text
    assert "This run is on orl (400 images, 40 epochs), not on CelebA at the blog's scale" in text


def test_summary_of_one_missing_claim_is_singular():
    every = {f"ch{n}": {"claims": {c.key: claim_record("holds", "", "", "") for c in CLAIMS
                                   if c.chapter == n and c.key != "filaments"}} for n in (2, 3, 4, 5)}
    text = page.summary_paragraph(every, "synthfaces", 6000, 8)
    assert "11 hold on this run" in text and "1 is not measured yet: chapter 4 has not recorded" in text


@pytest.mark.parametrize("n, words", [(170_000, "CelebA at the blog's scale (170,000 images"),
                                      (20_000, "CelebA at a reduced scale (20,000 images")])
def test_summary_scale_of_celeba(n, words):
    assert words in page.summary_paragraph({}, "celeba", n, 24)


def test_variants_note_branches():
    assert page.variants_note({}).startswith("Chapter 5 has not recorded its variants")
    note = page.variants_note({"ch5": _ch5()})
    assert note == ("The column across chapter 5's variants rests on its 2 adequate runs (base, batch-norm). "
                    "Excluded: small (reconstruction 3x chapter 1's).")
    assert page.variants_note({"ch5": {"variants": []}}) == "Chapter 5 recorded no adequate run."


@pytest.mark.parametrize("agreement, words", [("within", "as a normal model of the z-points predicts"),
                                              ("below", "fewer than a normal model"),
                                              ("above", "more than a normal model")])
def test_calibration_note_branches(agreement, words):
    ch1 = {"held_out_in_region": {"share": 0.7667, "interval95": [0.64, 0.866], "level": 0.99,
                                  "agreement": agreement}}
    note = page.calibration_note({"ch1": ch1})
    assert "should hold 99 % of new z-points and holds 76.7 % of the held-out ones" in note
    assert "(95 % interval 64.0 % to 86.6 %)" in note
    assert words in note


def test_calibration_note_without_chapter_1():
    assert page.calibration_note({}) == ("Chapter 1 has not recorded its calibration check for this run: "
                                         "run chapter 1.")


def test_the_findings_page_renders_its_tables_and_links_and_runs_every_build():
    """MyST-NB renders Markdown outputs as CommonMark by default: no tables, no links between chapters. The
    page asks for MyST, and is executed on every build (its input is the chapters' records, not its code)."""
    import nbformat

    from latent_fragments.config import REPO_ROOT

    nb = nbformat.read(REPO_ROOT / "book" / "06_findings.ipynb", as_version=4)
    assert nb.metadata["mystnb"] == {"execution_mode": "force", "render_markdown_format": "myst"}
