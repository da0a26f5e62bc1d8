package io.creditflow.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Usage errors found after parsing: a {@link ParameterException} whose message starts with the option,
 * as in {@code --size: 4 (expected: 8 to 262144 bytes)}. Thrown from a command's {@code call()}, picocli
 * prints it with the command's usage on stderr and exits with code 2, without a stack trace.
 */
final class Usage {
    private Usage() {}

    /** {@code option: message}, as a usage error of the command. */
    static ParameterException error(CommandSpec spec, String option, String message) {
        return new ParameterException(spec.commandLine(), option + ": " + message);
    }

    /** The value if it is within [min, max]; otherwise {@code option: value (expected: expected)}. */
    static long range(CommandSpec spec, String option, long value, long min, long max, String expected) {
        if (value < min || value > max) {
            throw error(spec, option, value + " (expected: " + expected + ")");
        }
        return value;
    }

    /** A rate in messages per second: finite and not negative (0: as fast as possible). */
    static double rate(CommandSpec spec, String option, double perSecond) {
        if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
            throw error(spec, option, perSecond + " (expected: >= 0 messages per second; 0 or none: full speed)");
        }
        return perSecond;
    }

    /** A file the command will read: it must exist, be a regular file and be readable. */
    static Path readableFile(CommandSpec spec, String option, Path file) {
        if (!Files.exists(file)) {
            throw error(spec, option, file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw error(spec, option, file + ": not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw error(spec, option, file + ": cannot be read (permission denied)");
        }
        return file;
    }
}
