package io.creditflow.bench.harness;

import java.util.Map;

/**
 * What one run of one scenario on one system produced: each child's result line, and whether the
 * children shared the orchestrator's clock.
 */
record RunResult(
        Scenario scenario,
        RunSpec spec,
        Map<String, Object> receiver,
        Map<String, Object> sender,
        boolean clockShared) {}
