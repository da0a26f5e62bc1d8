package io.creditflow.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One in-process run of {@code ./creditflow args...} through {@code new CommandLine(new Main())}, with
 * its stdout and stderr captured.
 *
 * @param exitCode what {@code execute} returned
 * @param out what the command wrote to picocli's out writer
 * @param err what it wrote to picocli's err writer (usage errors among it)
 */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
