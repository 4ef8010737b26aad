# The README's two commands: `make demo` and `make test`. Each creates or reuses .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_RAW := var/demo/raw
DEMO_OUT := var/demo/out

.PHONY: demo test install clean-demo

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

# The world is simulated once; `run` resumes where it stopped, so a second `make demo` is quick.
$(DEMO_RAW)/_truth/world.json: | $(STAMP)
	$(BIN)/distillguard simulate --preset demo --out $(DEMO_RAW) --seed 7

demo: $(STAMP) $(DEMO_RAW)/_truth/world.json
	$(BIN)/distillguard run --raw $(DEMO_RAW) --out $(DEMO_OUT)
	$(BIN)/distillguard evaluate --raw $(DEMO_RAW) --out $(DEMO_OUT)
	@echo
	@echo "Published tables: $(DEMO_OUT)/published   Reports: $(DEMO_OUT)/reports"
	@echo "Look around:      $(BIN)/distillguard ui   (Dagster and MLflow on 127.0.0.1)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean-demo:
	rm -rf var/demo
