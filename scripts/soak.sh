#!/usr/bin/env bash
# Opt-in long soak: load mixed with attacks (ping floods, rapid reset, slow readers) and faults (resets,
# latency) for SECONDS (default 1800), asserting flat heap, direct memory and file descriptors and exact
# accounting of every confirmed batch. CI runs the same test for 120 s.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-1800}"
./mvnw -B -ntp -pl tests -am verify -Dsoak.seconds="$seconds" -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false
