# Terraform applied for real on the moto AWS emulator (terraform/emulator/README.md).

TF_EMULATOR := $(ROOT)/terraform/emulator
# TF_EMULATOR_JOBS: how many test files run at once (run.py's --jobs; its default otherwise).

TEST_TARGETS += terraform-apply-test
SLOW_TEST_TARGETS += terraform-apply-test

.PHONY: terraform-apply-test

terraform-apply-test: ## Terraform: apply, empty re-plan, outputs, destroy and leftovers of every covered root on moto
	@$(call need,terraform $(VENV_PYTHON) pytest moto_server)
	$(TF_SCRIPT) config
	$(VENV_PYTHON) $(TF_EMULATOR)/run.py $(if $(TF_EMULATOR_JOBS),--jobs $(TF_EMULATOR_JOBS))
