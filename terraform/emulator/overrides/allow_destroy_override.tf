# Test-only: lifts bootstrap's prevent_destroy guards in the temporary copy, so the emulator
# test can destroy what a real account keeps. `make terraform-guards` checks the real guards.
resource "aws_kms_key" "state" {
  lifecycle {
    prevent_destroy = false
  }
}

resource "aws_s3_bucket" "state" {
  lifecycle {
    prevent_destroy = false
  }
}
