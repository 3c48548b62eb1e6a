#!/usr/bin/env bash
# broker-landlock0.sh - broker.sh as on a kernel without Landlock.
MOAT_TEST_LANDLOCK_ABI=0 exec "$MOAT_SRCDIR/tests/integration/broker.sh"
