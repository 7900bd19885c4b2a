resource "aws_s3_bucket" "fixture" {
bucket="misformatted"
}
