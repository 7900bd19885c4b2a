# Pinned tools live in .tools/ (git-ignored); versions in tools/versions.env only.
TOOLS_DIR := $(ROOT)/.tools
export PATH := $(TOOLS_DIR)/bin:$(TOOLS_DIR)/venv/bin:$(PATH)
# Two Pythons, one variable each. PYTHON runs the stdlib-only delivery scripts, which the deploy
# and infra workflows call without `make tools`; VENV_PYTHON (the hash-locked tools venv: pytest,
# ruff, pyyaml, python-hcl2) runs every test and every script that imports a package.
PYTHON := python3
VENV_PYTHON := $(TOOLS_DIR)/venv/bin/python
# checkov otherwise phones home for updates and policies
export CKV_SKIP_PACKAGE_UPDATE_CHECK := true

# $(call need,TOOL...): fail with the one command that installs a missing tool; never skip.
need = for t in $(1); do command -v "$$t" >/dev/null || { echo "error: '$$t' is not installed: run 'make tools'" >&2; exit 1; }; done

# $(head_sha): sets the shell variable `sha` to this checkout's commit, or stops the recipe. A
# binary built without it would report `unknown`. In a container job git refuses a workspace that
# another user owns until it is marked safe (ci.yml does that after checkout).
head_sha = sha=$$(git -C $(ROOT) rev-parse --verify 'HEAD^{commit}') || { echo "error: cannot read the commit of $(ROOT) (git's reason above)" >&2; exit 1; }

.PHONY: tools tools-lock
tools: ## Install every pinned tool into .tools/ (seconds when already there)
	@$(ROOT)/tools/install.sh

tools-lock: ## Regenerate tools/requirements.txt, with hashes, from tools/versions.env
	@$(ROOT)/tools/lock.sh
