# Pinned tools live in .tools/ (git-ignored); versions in tools/versions.env only.
TOOLS_DIR := $(ROOT)/.tools
export PATH := $(TOOLS_DIR)/bin:$(TOOLS_DIR)/venv/bin:$(PATH)
# checkov otherwise phones home for updates and policies
export CKV_SKIP_PACKAGE_UPDATE_CHECK := true

# $(call need,TOOL...): fail with the one command that installs a missing tool; never skip.
need = for t in $(1); do command -v "$$t" >/dev/null || { echo "error: '$$t' is not installed: run 'make tools'" >&2; exit 1; }; done

.PHONY: tools tools-lock
tools: ## Install every pinned tool into .tools/ (seconds when already there)
	@$(ROOT)/tools/install.sh

tools-lock: ## Regenerate tools/requirements.txt, with hashes, from tools/versions.env
	@$(ROOT)/tools/lock.sh
