#!/usr/bin/env bash
# broker-landlock2.sh - broker.sh as on Debian 12's Linux 6.1:
# Landlock ABI 2, no TCP rules, no signal scoping.
MOAT_TEST_LANDLOCK_ABI=2 exec "$MOAT_SRCDIR/tests/integration/broker.sh"
