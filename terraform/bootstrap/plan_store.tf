################################################################################
# The infra workflow's saved plans: plans/<run>.tfplan in the state bucket, encrypted with the
# state's KMS key (which both roles already use for the state)
################################################################################

locals {
  plan_objects_arn = "${local.state_bucket_arn}/plans/*"
}

# The main-branch plan job stores its plan file there, instead of an artifact any reader of the
# repository could download.
resource "aws_iam_role_policy" "plan_store_write" {
  name = "terraform-plan-store"
  role = aws_iam_role.ci["plan"].name

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "StoreSavedPlans"
      Effect   = "Allow"
      Action   = "s3:PutObject"
      Resource = local.plan_objects_arn
    }]
  })
}

# The apply job fetches the reviewed plan, and deletes it once it is applied or stale.
resource "aws_iam_role_policy" "plan_store_read" {
  name = "terraform-plan-store"
  role = aws_iam_role.ci["apply"].name

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "TakeSavedPlans"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:DeleteObject"]
      Resource = local.plan_objects_arn
    }]
  })
}
