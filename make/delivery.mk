# Delivery: the GitHub workflows' checks, and the targets those workflows call (docs/deploy.md).
# The workflows stay thin: each step is one of these targets, so a person can run it too.

LINT_TARGETS += workflows-lint
TEST_TARGETS += delivery-test

DELIVERY_RUN := $(ROOT)/.run/delivery
DELIVERY_TARGET := $(ROOT)/target/delivery
# A fixed, recognisable commit for the smoke test's service build.
DELIVERY_TEST_SHA := 5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed

.PHONY: workflows-lint delivery-test deploy deploy-render smoke rollback gh-vars image-lookup verify-image \
	plan-comment

workflows-lint: ## Workflows: actionlint (with shellcheck), zizmor --offline (auditor persona), checkov github_actions
	@$(call need,actionlint shellcheck zizmor checkov)
	cd $(ROOT) && actionlint -no-color
	@# The auditor persona reports everything the default one does, and more.
	cd $(ROOT) && zizmor --offline --no-progress --persona auditor .github
	@# checkov's bundled workflow schema predates the `attestations` permission and silently skips
	@# a workflow that has it, so checkov scans copies without those lines (actionlint, zizmor and
	@# deploy/tests/test_workflows.py check the real permissions). The copies live away from the
	@# repo's quiet .checkov.yaml: the gate needs the passed checks to prove every workflow scanned.
	rm -rf $(DELIVERY_RUN)/checkov && mkdir -p $(DELIVERY_RUN)/checkov/.github/workflows
	for f in $(ROOT)/.github/workflows/*.yml; do \
	  sed -E '/^ +attestations: (read|write)( +#.*)?$$/d' "$$f" >$(DELIVERY_RUN)/checkov/.github/workflows/$${f##*/}; \
	done
	cd $(DELIVERY_RUN)/checkov/.github && checkov --skip-download --framework github_actions --directory . --output json | \
	  $(PYTHON) $(ROOT)/deploy/checkov_gate.py workflows/*.yml

delivery-test: ## Delivery: smoke test vs the real service, deploy render and flags, workflow rules, plan comment, infra, gh-vars
	@$(call need,helm $(VENV_PYTHON) aws moto_server)
	@# Its own target dir: a build with a made-up GIT_SHA must never replace target/release/webapp.
	@# A debug build is enough to exercise the HTTP behaviour the smoke test checks.
	cd $(ROOT) && GIT_SHA=$(DELIVERY_TEST_SHA) cargo build --locked -p webapp --target-dir $(DELIVERY_TARGET)
	cd $(ROOT) && WEBAPP_BIN=$(DELIVERY_TARGET)/debug/webapp WEBAPP_SHA=$(DELIVERY_TEST_SHA) \
	  timeout 600 $(VENV_PYTHON) -m pytest -q deploy/tests

image-lookup: ## Is IMAGE_REPOSITORY:IMAGE_TAG already pushed? exists=true|false and its digest (a re-run deploys it)
	$(ROOT)/deploy/image_lookup.sh

verify-image: ## Refuse IMAGE_REPOSITORY@IMAGE_DIGEST unless this repo's app workflow on main attested it (gh attestation verify)
	$(ROOT)/deploy/verify_image.sh

deploy: ## Deploy IMAGE_DIGEST into the app namespace (created by platform-sync): helm upgrade (env: see deploy/deploy.sh)
	$(ROOT)/deploy/deploy.sh

deploy-render: ## Render the deploy offline with helm template and the same flags (DRY_RUN=1)
	DRY_RUN=1 $(ROOT)/deploy/deploy.sh

smoke: ## Poll APP_URL/version until it reports EXPECTED_SHA (SMOKE_TIMEOUT_SECONDS, default 300)
	$(PYTHON) $(ROOT)/deploy/smoke.py

rollback: ## Roll the webapp release back to its previous revision (helm rollback)
	$(ROOT)/deploy/rollback.sh

gh-vars: ## Print the `gh variable set` commands: the bootstrap's backend and role ARNs, live's runner selection
	@$(call need,terraform $(PYTHON))
	mkdir -p $(DELIVERY_RUN)
	terraform -chdir=$(ROOT)/terraform/bootstrap output -json >$(DELIVERY_RUN)/bootstrap-outputs.json
	@# .terraform/terraform.tfstate exists once init has configured the S3 backend.
	if [ -f $(ROOT)/terraform/live/.terraform/terraform.tfstate ]; then \
	  terraform -chdir=$(ROOT)/terraform/live output -json >$(DELIVERY_RUN)/live-outputs.json; \
	else \
	  echo '{}' >$(DELIVERY_RUN)/live-outputs.json; \
	  echo "gh-vars: terraform/live is not initialised here: run 'make terraform-live-init' for its outputs" >&2; \
	fi
	$(PYTHON) $(ROOT)/deploy/gh_vars.py $(DELIVERY_RUN)/bootstrap-outputs.json $(DELIVERY_RUN)/live-outputs.json

plan-comment: ## Publish .run/infra/plan.txt: job summary, and one PR comment updated in place (PR_NUMBER)
	@$(call need,$(PYTHON))
	$(PYTHON) $(ROOT)/deploy/plan_comment.py --plan $(ROOT)/.run/infra/plan.txt
