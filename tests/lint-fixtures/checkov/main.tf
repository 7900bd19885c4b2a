# SSH open to the world: checkov must report CKV_AWS_24 (iam.tf: CKV_AWS_62).
resource "aws_security_group" "fixture" {
  name        = "fixture"
  description = "lint fixture"

  ingress {
    description = "ssh from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
