#!/usr/bin/env bash
# sandbox-landlock0.sh - sandbox.sh as on a kernel without Landlock.
MOAT_TEST_LANDLOCK_ABI=0 exec "$MOAT_SRCDIR/tests/integration/sandbox.sh"
