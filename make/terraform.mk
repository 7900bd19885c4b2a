# Terraform (terraform/): offline checks with the pinned CLI and a filesystem mirror of the AWS
# provider. See terraform/README.md ("Checks"). TF_PROVIDER_MIRROR overrides the mirror search.

TF_SCRIPT := $(ROOT)/terraform/scripts/terraform.sh
TF_IAM_CHECK := $(ROOT)/terraform/scripts/check_iam_wildcards.py

LINT_TARGETS += terraform-lint
TEST_TARGETS += terraform-test

.PHONY: terraform-lint terraform-test terraform-validate terraform-checkov terraform-iam-wildcards

terraform-lint: terraform-validate terraform-checkov terraform-iam-wildcards ## Terraform: fmt, validate every config, checkov, IAM wildcard check

terraform-validate: ## Terraform: fmt -check -recursive, then init -backend=false + validate in every root config and module
	$(TF_SCRIPT) validate

terraform-checkov: ## Terraform: checkov over terraform/ (0 failed; each skip inline with its reason)
	@$(call need,checkov)
	cd $(ROOT) && checkov --config-file .checkov.yaml --framework terraform --skip-download -d terraform

terraform-iam-wildcards: ## Terraform: no IAM statement allows "*" on "*" without a written reason (checker self-tested first)
	python3 $(TF_IAM_CHECK) --self-test
	python3 $(TF_IAM_CHECK) $(ROOT)/terraform

terraform-test: ## Terraform: terraform test (mocked AWS provider, plan) in every root config and module
	$(TF_SCRIPT) test
