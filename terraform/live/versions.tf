terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # Partial configuration: bucket, key, region and kms_key_id come from backend.hcl, which
  # `terraform -chdir=terraform/bootstrap output -raw backend_config` writes.
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
