# Plans the registry against a mocked AWS provider.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:eu-west-1:123456789012:repository/webapp"
      repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp"
    }
  }
}

run "repository_defaults" {
  command = plan

  assert {
    condition     = aws_ecr_repository.this.name == "webapp" && aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE"
    error_message = "The repository must be named webapp and have immutable tags."
  }

  assert {
    condition     = aws_ecr_repository.this.image_scanning_configuration[0].scan_on_push
    error_message = "Images must be scanned on push."
  }

  assert {
    condition     = aws_ecr_repository.this.encryption_configuration[0].encryption_type == "KMS" && aws_ecr_repository.this.encryption_configuration[0].kms_key == aws_kms_key.this.arn && aws_kms_key.this.enable_key_rotation
    error_message = "Images must be encrypted with the module's rotating KMS key."
  }

  assert {
    condition     = aws_ecr_repository.this.force_delete == false
    error_message = "A repository holding images must not be deletable by default."
  }

  assert {
    condition = [for r in jsondecode(aws_ecr_lifecycle_policy.this.policy).rules : [r.rulePriority, r.selection.tagStatus, r.selection.countType, r.selection.countNumber]] == [
      [1, "untagged", "sinceImagePushed", 7],
      [2, "any", "imageCountMoreThan", 30],
    ]
    error_message = "Lifecycle: expire untagged images after 7 days first, then keep the last 30 images."
  }

  assert {
    condition     = output.repository_url == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp"
    error_message = "repository_url output must be the repository URL."
  }
}

run "rejects_bad_name" {
  command = plan

  variables {
    name = "WebApp"
  }

  expect_failures = [var.name]
}

run "rejects_zero_images" {
  command = plan

  variables {
    keep_last_images = 0
  }

  expect_failures = [var.keep_last_images]
}

run "rejects_zero_day_expiry" {
  command = plan

  variables {
    untagged_expiry_days = 0
  }

  expect_failures = [var.untagged_expiry_days]
}
