# Test-only: copied into a temporary copy of each root under test, never into the root itself.
# The harness, and the IAM policy check (terraform/policy_check/extract.py), replace
# EMULATOR_ENDPOINT with the moto server's URL.
provider "aws" {
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  # Keep the account id lookup: without it security-group references read back as
  # "<account>/sg-..." and never converge.
  skip_requesting_account_id = false
  s3_use_path_style          = true

  endpoints {
    acm            = "EMULATOR_ENDPOINT"
    codebuild      = "EMULATOR_ENDPOINT"
    ec2            = "EMULATOR_ENDPOINT"
    ecr            = "EMULATOR_ENDPOINT"
    eks            = "EMULATOR_ENDPOINT"
    elbv2          = "EMULATOR_ENDPOINT"
    events         = "EMULATOR_ENDPOINT"
    iam            = "EMULATOR_ENDPOINT"
    kms            = "EMULATOR_ENDPOINT"
    logs           = "EMULATOR_ENDPOINT"
    s3             = "EMULATOR_ENDPOINT"
    secretsmanager = "EMULATOR_ENDPOINT"
    sqs            = "EMULATOR_ENDPOINT"
    ssm            = "EMULATOR_ENDPOINT"
    sts            = "EMULATOR_ENDPOINT"
  }
}
