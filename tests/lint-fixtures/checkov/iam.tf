# Every action on every resource: checkov's IAM checks must report CKV_AWS_62.
resource "aws_iam_role_policy" "fixture" {
  name = "fixture"
  role = "fixture"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
