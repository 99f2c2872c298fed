# Two commands do everything: `make lab` and `make test`. Both create .venv on first use and
# reinstall only when requirements.txt or pyproject.toml changed (the .installed stamp).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# nbval options: lax output comparison (notebooks are stored without outputs), the kernel of this
# environment, and a per-cell timeout so a dead kernel fails fast instead of after nbval's 2000 s.
NBVAL  := --nbval-lax --nbval-current-env --nbval-cell-timeout=120
NOTEBOOK_DIRS := $(wildcard lectures solutions)

.PHONY: setup lab test test-fast exercises slides grade grading-ui release bench clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed; found " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@# One BLAS thread for the kernel, no kernel dialog, nbgrader's menus hidden (nnlib/course/environment.py).
	$(BIN)/python -m nnlib.course.environment
	touch $(STAMP)

# nbgrader's menus and sidebars in JupyterLab, for instructors who use nbgrader's own tools.
grading-ui: $(STAMP)
	$(BIN)/python -m nnlib.course.environment --grading-ui

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. $(LAB_ARGS)

# Unit tests, course tooling tests, then every lecture and solution notebook executed by nbval.
test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests $(NOTEBOOK_DIRS) $(NBVAL) --timeout=900 --durations=15

# The unit tests alone (seconds), for quick iterations on nnlib.
test-fast: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests -q -m "not slow"

# Regenerate exercises/ from solutions/ (never edit exercises/ by hand).
exercises: $(STAMP)
	$(BIN)/python -m nnlib.course.exercises

# Lecture decks in slides/ (reveal.js), for 1280x720 slides that make no network request. A lecture is
# executed only when it (or nnlib) changed since the last build (cache: slides/.cache); reveal.js and
# MathJax are installed once with npm into slides/assets. Present: open slides/NN_topic.slides.html in
# a browser; S speaker notes, F full screen, Esc overview. SLIDES_ARGS=--force re-executes everything.
slides: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m nnlib.course.slides $(SLIDES_ARGS)

# Grade a folder of submissions: make grade SUBMISSIONS=path/to/folder ASSIGNMENT=01
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" -a -n "$(ASSIGNMENT)" || { echo "usage: make grade SUBMISSIONS=folder ASSIGNMENT=01"; exit 2; }
	$(BIN)/python -m nnlib.course.grade $(SUBMISSIONS) --assignment $(ASSIGNMENT) --out grades/$(ASSIGNMENT).csv --feedback grades/feedback $(GRADE_ARGS)

# The bundle a class hands out: release/ and release.zip (lectures, exercises, nnlib; no solutions, no tests).
release: $(STAMP)
	$(BIN)/python -m nnlib.course.release

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_mlp.py
	$(BIN)/python benchmarks/bench_conv.py
	$(BIN)/python benchmarks/bench_recurrent.py

clean:
	rm -rf $(VENV) .pytest_cache
