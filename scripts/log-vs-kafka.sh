#!/usr/bin/env bash
# The durable topic log against a real Apache Kafka 4.4.0 broker (KRaft, one node, loopback), in one
# invocation: per round and system a fresh broker JVM and a fresh client JVM, one producer at full speed with
# acknowledgements, a fast consumer and one at 100 msg/s, then the catch-up (docs/benchmarks.md, "Durable log
# vs Kafka"). Builds the bench module (Kafka's jars land in bench/target/kafka-lib, never in benchmarks.jar),
# then runs; options go to the comparison (--help lists them), e.g.
#   scripts/log-vs-kafka.sh --rounds 3 --json r.jsonl
# It waits for a quiet machine before each run and refuses to measure on a busy one unless --allow-busy.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -ntp -q -pl bench -am package -DskipTests
fi
exec java -cp bench/target/benchmarks.jar io.creditflow.bench.kafka.LogVsKafka "$@"
