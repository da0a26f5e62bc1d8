package io.creditflow.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration option as people type it: {@code 15} (a bare number is seconds), {@code 15s},
 * {@code 1.5s}, {@code 500ms}, {@code 250us}, {@code 2m}, {@code 1h}, combined largest unit first
 * ({@code 1m30s}, {@code 1h2m3.5s}), or ISO-8601 ({@code PT15S}). Units are case-insensitive ({@code µs}
 * and {@code ns} too). Refused: negative values, an empty value, unknown units, a unit twice or out of
 * order ({@code 30s1m}), fractions finer than a nanosecond, and more than {@link Long#MAX_VALUE}
 * nanoseconds (about 292 years). Zero is accepted; options that need more check it themselves.
 *
 * <p>{@link BareMillis} reads the same forms but takes a bare number as milliseconds, for the old
 * {@code *-ms} options. Stateless and thread-safe.
 */
final class DurationConverter implements ITypeConverter<Duration> {
    /** One number and its unit; the unit alternatives longest first so that "ms" is not read as "m". */
    private static final Pattern COMPONENT = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|µs|μs|ns|h|m|s)");

    private static final Pattern BARE = Pattern.compile("\\d+(?:\\.\\d+)?");
    private static final BigInteger MAX_NANOS = BigInteger.valueOf(Long.MAX_VALUE);

    private final Unit bareUnit;

    /** A bare number is seconds. */
    DurationConverter() {
        this(Unit.S);
    }

    private DurationConverter(Unit bareUnit) {
        this.bareUnit = bareUnit;
    }

    /** As {@link DurationConverter}, but a bare number is milliseconds ({@code --grace-ms 500}). */
    static final class BareMillis implements ITypeConverter<Duration> {
        private static final DurationConverter DELEGATE = new DurationConverter(Unit.MS);

        @Override
        public Duration convert(String value) {
            return DELEGATE.convert(value);
        }
    }

    /** The units, largest first (a combined value must use them in this order). */
    private enum Unit {
        H("h", 3_600_000_000_000L),
        M("m", 60_000_000_000L),
        S("s", 1_000_000_000L),
        MS("ms", 1_000_000L),
        US("us", 1_000L),
        NS("ns", 1L);

        final String label;
        final BigDecimal nanos;

        Unit(String label, long nanos) {
            this.label = label;
            this.nanos = BigDecimal.valueOf(nanos);
        }

        static Unit of(String label) {
            String l = label.equals("µs") || label.equals("μs") ? "us" : label;
            for (Unit u : values()) {
                if (u.label.equals(l)) {
                    return u;
                }
            }
            throw new IllegalArgumentException(label); // the pattern admits only the labels above
        }
    }

    @Override
    public Duration convert(String value) {
        String text = value == null ? "" : value.trim();
        if (text.isEmpty()) {
            throw refused(value, "is empty");
        }
        if (text.startsWith("-")) {
            throw refused(value, "is negative");
        }
        if (text.startsWith("P") || text.startsWith("p")) {
            return iso(value, text.toUpperCase(Locale.ROOT));
        }
        if (BARE.matcher(text).matches()) {
            return ofNanos(value, new BigDecimal(text).multiply(bareUnit.nanos));
        }
        String lower = text.toLowerCase(Locale.ROOT);
        Matcher m = COMPONENT.matcher(lower);
        BigDecimal nanos = BigDecimal.ZERO;
        Unit previous = null;
        int at = 0;
        while (at < lower.length()) {
            if (!m.find(at) || m.start() != at) {
                throw refused(value, "is not a duration");
            }
            Unit unit = Unit.of(m.group(2));
            if (previous != null && unit.ordinal() <= previous.ordinal()) {
                throw refused(
                        value, "has a unit twice or out of order", "the largest unit first, each once, as in 1m30s");
            }
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(unit.nanos));
            previous = unit;
            at = m.end();
        }
        return ofNanos(value, nanos);
    }

    private Duration iso(String value, String text) {
        Duration d;
        try {
            d = Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw refused(value, "is not an ISO-8601 duration");
        }
        if (d.isNegative()) {
            throw refused(value, "is negative");
        }
        if (d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) > 0) {
            throw refused(value, "is too long", "at most 292 years");
        }
        return d;
    }

    private Duration ofNanos(String value, BigDecimal nanos) {
        BigInteger whole;
        try {
            whole = nanos.stripTrailingZeros().toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw refused(value, "is finer than a nanosecond");
        }
        if (whole.compareTo(MAX_NANOS) > 0) {
            throw refused(value, "is too long", "at most 292 years");
        }
        return Duration.ofNanos(whole.longValueExact());
    }

    private TypeConversionException refused(String value, String why) {
        return refused(
                value,
                why,
                "a duration such as " + (bareUnit == Unit.S ? "15 (seconds)" : "500 (milliseconds)")
                        + ", 1.5s, 500ms, 250us, 2m, 1h, 1m30s or PT15S");
    }

    private static TypeConversionException refused(String value, String why, String expected) {
        return new TypeConversionException("'" + value + "' " + why + " (expected: " + expected + ")");
    }

    /**
     * The shortest way to write {@code d} in the units above: {@code 30s}, {@code 1.5s}, {@code 500ms},
     * {@code 1m30s}, {@code 0s}; for help texts and status lines.
     */
    static String format(Duration d) {
        if (d.isNegative()) {
            return "-" + format(d.negated());
        }
        if (d.isZero()) {
            return "0s";
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            long nanos = d.toNanos();
            if (nanos % 1_000_000 == 0) {
                return nanos / 1_000_000 + "ms";
            }
            return nanos % 1_000 == 0 ? nanos / 1_000 + "us" : nanos + "ns";
        }
        StringBuilder sb = new StringBuilder();
        long hours = d.toHours();
        int minutes = d.toMinutesPart();
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        if (minutes > 0) {
            sb.append(minutes).append('m');
        }
        BigDecimal seconds = BigDecimal.valueOf(d.toSecondsPart()).add(BigDecimal.valueOf(d.toNanosPart(), 9));
        if (seconds.signum() > 0) {
            sb.append(seconds.stripTrailingZeros().toPlainString()).append('s');
        }
        return sb.toString();
    }
}
