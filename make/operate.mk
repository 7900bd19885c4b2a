# Operating the platform: the bootstrap, the values the workflows read at run time, teardown.
# Shared settings live in terraform/settings.auto.tfvars.json (deploy/settings.py reads them).

.PHONY: bootstrap-init bootstrap-plan bootstrap-apply platform-outputs teardown empty-state-bucket

bootstrap-init: ## Bootstrap: terraform init in terraform/bootstrap (local state; keep terraform.tfstate safe)
	@$(call need,terraform)
	terraform -chdir=$(ROOT)/terraform/bootstrap init -input=false -lockfile=readonly

bootstrap-plan: bootstrap-init ## Bootstrap: plan with the committed settings and bootstrap.auto.tfvars
	terraform -chdir=$(ROOT)/terraform/bootstrap plan -input=false

bootstrap-apply: bootstrap-init ## Bootstrap: apply (state bucket, KMS key, OIDC provider, CI roles); asks for confirmation
	terraform -chdir=$(ROOT)/terraform/bootstrap apply -input=false

# Recipes silent: their stdout goes straight into $GITHUB_ENV.
platform-outputs: ## Print terraform/live's published outputs (SSM) as KEY=value lines, for $GITHUB_ENV
	@$(call need,python3 aws)
	@python3 $(ROOT)/deploy/platform_outputs.py

teardown: ## Destroy terraform/live and what the cluster created (releases, monitoring volumes, workflows); CONFIRM=<cluster name>
	$(ROOT)/deploy/teardown.sh

empty-state-bucket: ## Delete every version in the state bucket (after teardown, before destroying the bootstrap); CONFIRM=<bucket>
	@$(call need,terraform python3 aws)
	python3 $(ROOT)/deploy/empty_bucket.py "$$(terraform -chdir=$(ROOT)/terraform/bootstrap output -raw state_bucket)" --confirm "$(CONFIRM)"
