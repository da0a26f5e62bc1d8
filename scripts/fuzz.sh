#!/usr/bin/env bash
# Opt-in fuzzing session: runs @FuzzTest targets in Jazzer's fuzzing mode (JAZZER_FUZZ=1), one after
# the other, each for DURATION. Regular builds run the same tests in regression mode only (the empty
# input and the committed seeds under src/test/resources/.../<TestClass>Inputs/<method>/).
#
# Usage: scripts/fuzz.sh [DURATION] [MODULE:CLASS#METHOD ...]
#   DURATION  Jazzer duration per target: 30s, 10m, 2h ... (default 5m)
#   targets   default: every fuzz target below
#
# Findings: a crashing input is written to the test's Inputs/<method>/ directory in src/test/resources
# (commit it once fixed: it becomes a regression seed) and the run fails. The generated corpus is kept in
# <module>/.cifuzz-corpus/ (ignored by git) and reused by the next session.
# Netty's leak detector runs at SIMPLE while fuzzing (PARANOID would dominate); LeakCheck still fails
# the run on a reported leak.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-5m}"
if [ $# -gt 0 ]; then
  shift
fi
if ! [[ "$duration" =~ ^[0-9]+(ns|ms|s|m|h|d)?$ ]]; then
  echo "usage: $0 [DURATION like 30s, 10m, 2h] [MODULE:CLASS#METHOD ...]" >&2
  exit 2
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(
    "proto:FrameParsingFuzzTest#frameReaderThrowsOnlyProtocolExceptionAndAgreesWithProtobuf"
    "proto:FrameParsingFuzzTest#everyMessageTypeParsesOrFailsWithProtobufsExceptionAndRoundTrips"
    "transport:InboundPipelineFuzzTest#anyBytesAfterTheHandshakeEndInAProtocolCodeOrNothing"
  )
fi

status=0
for target in "${targets[@]}"; do
  module="${target%%:*}"
  test="${target#*:}"
  echo "==> fuzzing ${test} (${module}) for ${duration}"
  if ! JAZZER_FUZZ=1 JAZZER_MAX_DURATION="$duration" ./mvnw -B -ntp -pl "$module" -am test \
      -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.hooks=true \
      -Dsurefire.argLine="--enable-native-access=ALL-UNNAMED -Dio.netty.leakDetection.level=simple -Xmx1g"; then
    echo "==> ${test}: FAILED (see the finding above and the test's Inputs directory)" >&2
    status=1
  fi
done
exit "$status"
