# The platform's configuration. Every plan, apply, drift check and teardown reads this file
# (Terraform loads *.auto.tfvars by itself), so a change here goes through review like code.
# Region, cluster name, ECR repository and the SSM parameter prefix are shared with
# terraform/bootstrap: they live in terraform/settings.auto.tfvars.json.
# Inputs not set here keep their defaults (terraform/live/README.md lists them).

# Who administers the cluster (EKS access entries), e.g.
# ["arn:aws:iam::123456789012:role/Admin"]. Required: the plan refuses an empty list, since
# the cluster creator gets no access and the CI roles reach only the platform sync and the app
# namespace.
admin_principal_arns = []

# How CI and people reach the Kubernetes API (terraform/README.md, docs/faq.md). The private
# endpoint needs the in-VPC CodeBuild runner: set
#   ci_runner = { github_repository = "owner/name", codeconnections_arn = "arn:aws:codeconnections:..." }
# with the connection authorised once in the console. Until then every plan stops and names
# this choice. Or: endpoint_access = "public_cidrs" with public_access_cidrs.
endpoint_access     = "private"
ci_runner           = null
enable_bastion      = false
public_access_cidrs = []

# TLS: an ACM certificate in the platform's region and the DNS name it covers. Point that name
# at the load_balancer_dns_name output (CNAME, or alias with load_balancer_zone_id).
certificate_arn = null
app_dns_name    = null

# Capacity (docs/costs.md prices each of these, at the settings' region).
nat_mode            = "single"
az_count            = 3
node_instance_types = ["t3.large"]
node_capacity_type  = "ON_DEMAND"
node_size           = { min = 2, desired = 2, max = 2 }
