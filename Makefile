# make run   - create .venv, install everything, start the chat UI
# make test  - create .venv, install everything (chromium too, when missing and permitted), run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser run test test-fast eval bench index clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/qa serve

# The browser tests need a system chromium: installed here when missing and this user may (.ci/chromium).
browser:
	@./.ci/chromium

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not browser"

index: $(STAMP)
	$(BIN)/qa index

eval: $(STAMP)
	$(BIN)/qa eval

bench: $(STAMP)
	$(BIN)/qa bench

clean:
	rm -rf $(VENV) index .pytest_cache
