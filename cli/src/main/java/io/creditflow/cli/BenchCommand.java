package io.creditflow.cli;

import io.creditflow.bench.harness.BenchMain;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code ./creditflow bench}: the scenario harness (creditflow vs raw Netty, batched and naive, vs
 * gRPC-java, defaults and tuned, in separate JVMs). Its options are parsed by the harness itself ({@code ./creditflow bench --help}).
 */
@Command(
        name = "bench",
        description = "Compare creditflow with raw Netty (netty-batched, netty-naive) and gRPC-java (grpc, "
                + "grpc-tuned): throughput, slow and stalled readers, latency, scale, broker (--help for options).")
final class BenchCommand implements java.util.concurrent.Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return BenchMain.run(args.toArray(String[]::new), System.out, System.err);
    }
}
