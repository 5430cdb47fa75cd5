#!/usr/bin/env bash
# The demo (see README): for now the C and command-line session.
exec "$(dirname "$0")/demo-c.sh" "$@"
