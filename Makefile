# The two commands a reader needs are `make book` and `make test`; both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The venv's tools come first on PATH for every recipe (jupyter, the kernel, ruff, ...).
export PATH := $(abspath $(BIN)):$(PATH)
# fit() shows a progress bar on long runs; not in tests or in the notebooks' stored outputs.
export BPKIT_PROGRESS := 0
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
# The chapters, the notebooks with exercises (the back matter's uses.ipynb has none).
CHAPTERS := $(sort $(wildcard book/ch*.ipynb))
NB ?= $(NOTEBOOKS)  # make execute NB=book/ch02_worked_example.ipynb re-runs one

# The stored outputs must come out the same on every machine that checks them. BLAS and
# NumPy pick code paths by CPU (AVX-512 or not), which changes the order of floating-point
# sums; long training runs amplify those last-bit differences into different printed epochs.
# So `make execute` and `make nbval` run the notebooks on one path, that of an x86-64 CPU with
# AVX2 and FMA (x86-64-v3): OpenBLAS's Haswell kernels on one thread, and NumPy without its
# AVX-512 loops. (NumPy's exp and log then match glibc's, so the C library counts too: the
# outputs were made with Debian 12's glibc 2.36.) On a CPU without AVX2 the Haswell kernels
# would not run; there only the NumPy setting applies, and a long run's last digits may differ.
NUMERICS := env OPENBLAS_NUM_THREADS=1 NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR" \
	$(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo OPENBLAS_CORETYPE=Haswell)

.PHONY: help venv book test lint unit nbval site browser browser-deps execute lab clean bench student \
	instructor assignments grade wheel torch-check

help:
	@echo "make book     build the website into _build/html (from the stored notebook outputs)"
	@echo "make test     ruff, pytest, nbval (strict), the website build, and the browser tests"
	@echo "make execute  re-run every notebook top to bottom in a fresh kernel, in place"
	@echo "make lab      open the notebooks in JupyterLab"
	@echo "make bench    run the benchmark scripts"
	@echo "make torch-check  bpkit.autograd's gradients against PyTorch's (installs PyTorch)"
	@echo "make student  write the student notebooks (solutions removed) into _build/student"
	@echo "make assignments  the nbgrader course (instructor's source, student release) in _build/course"
	@echo "make grade SUBMISSIONS=dir  grade dir/<student>/<chapter>.ipynb into _build/grades"

# Created once, and again whenever requirements.txt or pyproject.toml change.
# The pinned requirements need Python 3.11.5 or newer (soupsieve 4.1 asks for 3.11.5; NumPy
# 2.4, IPython 9 and contourpy for 3.11). A failed install removes the half-made .venv, so the
# next run starts clean instead of trusting it.
MIN_PYTHON := 3.11.5
$(BIN)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11, 5))' 2>/dev/null || { \
		echo "make: the book needs Python $(MIN_PYTHON) or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1). Run make PYTHON=/path/to/python3.12 (or any $(MIN_PYTHON)+)." >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install --quiet -r requirements.txt || { \
		rm -rf $(VENV); echo "make: installing requirements.txt failed; .venv was removed" >&2; exit 1; }
	touch $@

venv: $(BIN)/.installed

# nbgrader, for the coursework targets (and the simulated class of make unit), into .venv.
$(BIN)/.instructor: requirements-instructor.txt $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-instructor.txt
	touch $@

instructor: $(BIN)/.instructor

book: venv
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The website is in _build/html; open _build/html/index.html"

test: lint unit nbval site browser

# The website, built from scratch, checked for what a browser would fetch from the network.
site: venv
	rm -rf _build/html
	$(BIN)/jupyter-book build . -W -n --keep-going
	test -f _build/html/index.html
	@# the pages load no script or stylesheet from the network (MathJax: vendor/; widgets: bpkit)
	! grep -l -E '<(script|link)[^>]*(src|href)="https?://[^"]*\.(js|css)' _build/html/*.html _build/html/book/*.html
	test -f _build/html/_static/mathjax/tex-mml-chtml.js -a -f _build/html/_static/bpkit-widgets/page.js

lint: venv
	$(BIN)/ruff check bpkit tests benchmarks tools _ext grading

unit: venv instructor
	$(BIN)/python -m pytest tests --ignore=tests/browser

# The website in headless Chromium (Debian's), network blocked: tests/browser.
browser: venv browser-deps
	test -f _build/html/index.html || $(MAKE) site
	BPKIT_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/browser -p no:cacheprovider

# Chromium from the system's packages: installed here when run as root on Debian or Ubuntu.
CHROMIUM ?= /usr/bin/chromium
browser-deps:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
		else \
			echo "The browser tests need Chromium at $(CHROMIUM): install it (Debian/Ubuntu: sudo apt-get install chromium chromium-driver), or run make with CHROMIUM=/path/to/chromium." >&2; \
			exit 1; \
		fi; \
	fi

nbval: venv
	$(NUMERICS) $(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg \
		-p no:cacheprovider $(NOTEBOOKS)

execute: venv
	for nb in $(NB); do \
		echo "executing $$nb"; \
		$(NUMERICS) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 \
			--NotebookExporter.preprocessors=nbconvert.preprocessors.CoalesceStreamsPreprocessor "$$nb" || exit 1; \
	done

# As root (a container), JupyterLab refuses to start without --allow-root.
lab: venv
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) book/

bench: venv
	for script in $(sort $(filter-out benchmarks/autograd_vs_pytorch.py,$(wildcard benchmarks/*.py))); do \
		$(BIN)/python $$script || exit 1; done

# bpkit.autograd's gradients against PyTorch's (float64, to 1e-12). PyTorch's CPU build goes
# into .venv for this target only; it is not a dependency of the book or of make test.
TORCH := torch==2.13.0
torch-check: venv
	$(BIN)/python -c 'import torch' 2>/dev/null || $(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python benchmarks/autograd_vs_pytorch.py --out benchmarks/results/autograd_vs_pytorch.txt

student: venv
	$(BIN)/python tools/student_release.py $(NOTEBOOKS) --out _build/student

# The coursework: one nbgrader assignment per chapter, written from the book's exercises.
assignments: instructor
	$(BIN)/python tools/assignments.py $(CHAPTERS) --course _build/course

# The bpkit-book wheel (built offline with the pinned setuptools of requirements-instructor.txt).
wheel: instructor
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation -w _build/dist .
	rm -rf build
	@ls _build/dist/bpkit_book-*.whl

# make grade SUBMISSIONS=dir grades dir/<student>/<chapter>.ipynb (see README, For instructors)
CELL_TIMEOUT ?= 60
NOTEBOOK_TIMEOUT ?= 600
grade: instructor
	@test -n "$(SUBMISSIONS)" || { echo "make grade needs SUBMISSIONS=dir, a folder with one folder per student holding that student's notebooks (dir/alice/ch01_chain_rule.ipynb)" >&2; exit 1; }
	$(BIN)/python tools/grade.py $(SUBMISSIONS) --out _build/grades \
		--cell-timeout $(CELL_TIMEOUT) --notebook-timeout $(NOTEBOOK_TIMEOUT)

clean:
	rm -rf _build
