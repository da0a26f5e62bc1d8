package io.creditflow.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./creditflow} launcher. */
@Command(
        name = "creditflow",
        mixinStandardHelpOptions = true,
        version = "creditflow 0.1.0",
        description = "A backpressure-aware, credit-based transport on the JVM: demos and tools.",
        subcommands = {
            DemoCommand.class,
            BrokerCommand.class,
            ProduceCommand.class,
            ConsumeCommand.class,
            StallCommand.class,
            BenchCommand.class,
            KafkaDevCommand.class,
            PipelineCommand.class
        })
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
