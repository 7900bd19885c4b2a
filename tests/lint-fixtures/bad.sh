#!/usr/bin/env bash
# Unquoted expansion: shellcheck must report SC2086.
target=$1
rm -rf $target
