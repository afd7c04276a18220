# latent-fragments: two commands do all the set-up on a fresh machine with Python 3.11 and pip.
#   make book   build the whole book (every chapter executed on the default data) into _build/html;
#               make book CONFIG=configs/celeba.toml: the book of that configuration (tools/config_book.py)
#   make test   run all tests: unit tests of the package in lib/, then the book built at the small profile (every
#               chapter executed once; a failing cell or hidden assertion fails the build) and checked page by
#               page in headless Chromium
#   make test-notebooks   the reader's check of a chapter: every notebook under nbval at the small profile (the
#               same execution as the small book's, so `make test` does not repeat it)
PYTHON ?= python3
# REPO_URL=https://github.com/OWNER/REPO adds Binder/Colab launch buttons (tools/book_config.py)
REPO_URL ?=
TEST_REPO_URL := https://github.com/example-owner/latent-fragments
# CONFIG=configs/celeba.toml builds the book of that configuration into _build/configs/<name>/ (tools/config_book.py)
CONFIG ?=
# EXTRAS=torch adds the optional second Keras backend (requirements-torch.txt), EXTRAS=cluster Dask for the sweep
# on a cluster (requirements-cluster.txt); CI sets EXTRAS=torch,cluster
EXTRAS ?=
VENV   := .venv
BIN    := $(VENV)/bin
REQS   := requirements.txt $(if $(findstring torch,$(EXTRAS)),requirements-torch.txt) \
          $(if $(findstring cluster,$(EXTRAS)),requirements-cluster.txt)
STAMP  := $(VENV)/.installed-$(shell cat $(REQS) pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: venv book test test-unit test-notebooks test-book sync clean-book clean

$(STAMP): $(REQS) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(addprefix -r ,$(REQS))
	@# the package itself, editable: `import latent_fragments` and the `latent-fragments` command
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

# every build runs from a configuration copy whose execution cache is keyed on the package's code
# (tools/book_config.py): a change in lib/latent_fragments re-executes every chapter, no page goes stale
# with CONFIG, the book of one configuration: every chapter parameterised with it, built into its own folder
book: venv
ifneq ($(CONFIG),)
	$(BIN)/python tools/config_book.py $(CONFIG) $(if $(REPO_URL),--repo-url $(REPO_URL))
else
	$(BIN)/python tools/book_config.py _build/config/_config.yml --cache-root _build/.jupyter_cache $(if $(REPO_URL),--repo-url $(REPO_URL))
	$(BIN)/jupyter-book build . --config _build/config/_config.yml -W --keep-going
	@echo "book built: open _build/html/index.html"
endif

test: test-unit test-book

# on every core (pytest-xdist), one test file per worker so that a file's shared fixtures are built once
test-unit: venv
	MPLBACKEND=Agg $(BIN)/python -m pytest tests -q -n auto --dist loadfile

test-notebooks: venv
	LF_PROFILE=small MPLBACKEND=Agg $(BIN)/python -m pytest --nbval-lax -q -p no:cacheprovider book/*.ipynb

# the whole book at the small profile (launch buttons for an example URL): each chapter executed once, under
# -W, so an error in any cell (the hidden nbval assertions included) fails it; then every page opened in
# headless Chromium (skipped without it, a failure where LF_REQUIRE_CHROMIUM=1, as in CI)
test-book: venv
	LF_PROFILE=small $(BIN)/python tools/book_config.py _build/small-config/_config.yml --cache-root _build/small/.jupyter_cache --repo-url $(TEST_REPO_URL)
	LF_PROFILE=small $(BIN)/jupyter-book build . --config _build/small-config/_config.yml --path-output _build/small -W --keep-going
	LF_BOOK_HTML=_build/small/_build/html LF_BOOK_REPO_URL=$(TEST_REPO_URL) MPLBACKEND=Agg $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_rendered_book.py

# rewrite each chapter's notebook from its plain-text source (book/NN_name.py), or the other way round,
# whichever was edited last (jupytext pairing; tests/test_book.py fails when a pair differs)
sync: venv
	$(BIN)/jupytext --sync book/[0-9]*.py

clean-book:
	rm -rf _build

clean: clean-book
	rm -rf $(VENV) artifacts
