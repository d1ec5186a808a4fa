# The GAN book: two commands.
#   make book   set up .venv (+ npm, chromium), execute every chapter, build the HTML into _build/html
#   make test   set up, lint, unit tests, the book built with the network cut, nbval, browser checks
#   make publish  push _build/html to gh-pages and the Jupyter-ready notebooks to `notebooks`
# Setup is stamped on the contents of pyproject.toml + requirements/constraints.txt and of
# package.json + package-lock.json, so a second run with nothing changed installs nothing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
HTML   := _build/html
JB_FLAGS ?= -W -n --keep-going
# Chromium for the browser test (Debian package `chromium`; tests/test_html.py reads $CHROMIUM).
export CHROMIUM ?= /usr/bin/chromium
# Kernels started by the build and nbval must be the venv's Python.
export PATH := $(abspath $(VENV))/bin:$(PATH)
export VIRTUAL_ENV := $(abspath $(VENV))
export PYDEVD_DISABLE_FILE_VALIDATION := 1

NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
PIP_HASH  := $(shell cat pyproject.toml requirements/constraints.txt | sha256sum | cut -c1-16)
NPM_HASH  := $(shell cat package.json package-lock.json | sha256sum | cut -c1-16)
PIP_STAMP := $(VENV)/.stamp-pip-$(PIP_HASH)
NPM_STAMP := _vendor/.stamp-npm-$(NPM_HASH)
SUDO      := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help setup apt book html notebooks test lint unit book-offline nbval test-html lab \
        publish clean distclean

help:
	@echo "make book   build the HTML book into $(HTML) (sets up .venv first)"
	@echo "make test   lint + unit tests + offline book build + nbval + browser checks of the HTML"
	@echo "make lint   ruff over ganlib/, tests/, scripts/ and the notebooks; the workflow schema"
	@echo "make publish  push $(HTML) to gh-pages and the Jupyter-ready notebooks to notebooks"
	@echo "make lab    open the chapters in JupyterLab"
	@echo "make clean  remove _build and _vendor (make distclean: also .venv and node_modules)"

## ---- setup ---------------------------------------------------------------------------------
setup: $(PIP_STAMP) $(NPM_STAMP) apt

$(PY):
	$(PYTHON) -m venv $(VENV)

# The package (editable) with the book toolchain and test tools, at the exact versions of
# requirements/constraints.txt (torch==2.13.0: the CPU wheel, not the multi-GB CUDA build).
$(PIP_STAMP): | $(PY)
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e '.[book,test]'
	rm -f $(VENV)/.stamp-pip-*
	touch $@

# require.js and the ipywidgets HTML embedder, served from the book itself (no CDN).
$(NPM_STAMP):
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf _vendor
	mkdir -p _vendor/html-manager
	cp node_modules/requirejs/require.js _vendor/require.js
	cd node_modules/@jupyter-widgets/html-manager/dist && \
	  cp embed-amd.js embed.js.LICENSE.txt *.woff *.woff2 *.ttf *.eot *.svg ../../../../_vendor/html-manager/
	touch $@

# Debian packages: chromium (browser test), iproute2 (`ip`, to bring loopback up in the
# offline build). Installed only when missing.
apt:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	command -v ip >/dev/null || missing="$$missing iproute2"; \
	if [ -n "$$missing" ]; then \
	  echo ">>> apt-get install$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## ---- the book ------------------------------------------------------------------------------
book: setup
	$(MAKE) --no-print-directory html

# Build only (no installs): what `book` and the offline build run. The download button serves
# _sources/book/*.ipynb: replaced by the Jupyter-ready copies (no raw MyST) of `notebooks`.
# MPLBACKEND is dropped: an inherited MPLBACKEND=Agg would silently remove every static figure
# (the kernels would not use matplotlib's inline backend).
html:
	env -u MPLBACKEND $(VENV)/bin/jupyter-book build . $(JB_FLAGS)
	$(MAKE) --no-print-directory notebooks
	cp _build/jupyter/book/*.ipynb $(HTML)/_sources/book/
	@echo
	@echo "The book: $(abspath $(HTML))/index.html"

# `make book` with the network cut (needs root for unshare -n); loopback stays up for kernels.
book-offline: setup
	@if [ "$$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then \
	  echo ">>> make book with the network cut (unshare -n, loopback only)"; \
	  unshare -n sh -c 'ip link set lo up && exec $(MAKE) --no-print-directory book'; \
	else \
	  echo "WARNING: unshare -n is not available (not root?); building the book WITH network."; \
	  $(MAKE) --no-print-directory book; \
	fi

# Jupyter-ready notebooks: MyST rendered to plain Markdown, code cells unchanged.
notebooks:
	$(PY) scripts/jupyter_notebooks.py --out _build/jupyter

## ---- tests ---------------------------------------------------------------------------------
test: setup
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory book-offline
	$(MAKE) --no-print-directory nbval
	$(MAKE) --no-print-directory test-html
	@echo
	@echo "make test: all passed (lint, unit tests, offline book build, nbval, browser checks of $(HTML))"

# ruff (pinned in the test extra) reads .ipynb natively; book/ruff.toml sets the notebooks'
# 85-character lines. check-jsonschema validates the GitHub Actions workflow
# offline against the schema bundled in its wheel.
lint: setup
	@echo ">>> ruff over ganlib/, tests/, scripts/ and book/*.ipynb; workflow schema"
	$(VENV)/bin/ruff check ganlib tests scripts benchmarks book
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

unit: setup
	@echo ">>> unit tests of ganlib and the book's metadata"
	MPLBACKEND=Agg $(PY) -m pytest tests --ignore=tests/test_html.py \
	  --ignore=tests/test_html_interactive.py

nbval: setup
	@test -n "$(NOTEBOOKS)" || { echo "no notebooks in book/"; exit 1; }
	@echo ">>> nbval (lax) over $(words $(NOTEBOOKS)) notebooks"
	$(PY) -m pytest -p no:cacheprovider --nbval-lax --nbval-current-env --nbval-cell-timeout=300 $(NOTEBOOKS)

test-html: setup
	@echo ">>> browser checks of $(HTML) (headless chromium)"
	GANBOOK_REQUIRE_HTML=1 $(PY) -m pytest tests/test_html.py tests/test_html_interactive.py \
	  tests/test_jupyter_notebooks.py

## ---- publishing (CI does this from main: .github/workflows/book.yml) ---------------------
# The HTML to the gh-pages branch, and the committed tree with Jupyter-ready chapters to the
# `notebooks` branch that the Colab and Binder launch buttons open (_config.yml: repository.branch).
publish: html
	rm -rf _build/notebooks-branch
	$(PY) scripts/jupyter_notebooks.py --out _build/jupyter --tree _build/notebooks-branch
	$(VENV)/bin/ghp-import --no-jekyll --push --force --branch gh-pages \
	  --message "Publish the book from $$(git rev-parse --short HEAD)" $(HTML)
	$(VENV)/bin/ghp-import --push --force --branch notebooks \
	  --message "Jupyter-ready notebooks from $$(git rev-parse --short HEAD)" _build/notebooks-branch

## ---- misc ----------------------------------------------------------------------------------
lab: setup
	$(VENV)/bin/jupyter lab book/

clean:
	rm -rf _build _vendor book/.pytest_cache .pytest_cache

distclean: clean
	rm -rf $(VENV) node_modules ganlib.egg-info
