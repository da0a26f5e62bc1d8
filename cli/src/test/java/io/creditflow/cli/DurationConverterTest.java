package io.creditflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.TypeConversionException;

/** What {@link DurationConverter} accepts, what it refuses and with which message, and how it formats. */
class DurationConverterTest {
    private final DurationConverter seconds = new DurationConverter();
    private final DurationConverter.BareMillis millis = new DurationConverter.BareMillis();

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("15", Duration.ofSeconds(15)),
                Arguments.of("0", Duration.ZERO),
                Arguments.of("1.5", Duration.ofMillis(1500)),
                Arguments.of("15s", Duration.ofSeconds(15)),
                Arguments.of("1.5s", Duration.ofMillis(1500)),
                Arguments.of("500ms", Duration.ofMillis(500)),
                Arguments.of("250us", Duration.ofNanos(250_000)),
                Arguments.of("250µs", Duration.ofNanos(250_000)),
                Arguments.of("100ns", Duration.ofNanos(100)),
                Arguments.of("0.000000001s", Duration.ofNanos(1)),
                Arguments.of("2m", Duration.ofMinutes(2)),
                Arguments.of("1h", Duration.ofHours(1)),
                Arguments.of("1m30s", Duration.ofSeconds(90)),
                Arguments.of("1h2m3.5s", Duration.ofMillis(3_723_500)),
                Arguments.of("1s500ms", Duration.ofMillis(1500)),
                Arguments.of("15S", Duration.ofSeconds(15)),
                Arguments.of(" 15s ", Duration.ofSeconds(15)),
                Arguments.of("PT15S", Duration.ofSeconds(15)),
                Arguments.of("pt1m30s", Duration.ofSeconds(90)),
                Arguments.of("P1D", Duration.ofDays(1)),
                Arguments.of("2562047h", Duration.ofHours(2_562_047)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("accepted")
    void acceptsWhatPeopleType(String text, Duration expected) {
        assertThat(seconds.convert(text)).isEqualTo(expected);
    }

    static Stream<Arguments> acceptedAsMillis() {
        return Stream.of(
                Arguments.of("500", Duration.ofMillis(500)),
                Arguments.of("0", Duration.ZERO),
                Arguments.of("1.5", Duration.ofNanos(1_500_000)),
                Arguments.of("2s", Duration.ofSeconds(2)),
                Arguments.of("PT0.25S", Duration.ofMillis(250)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("acceptedAsMillis")
    void bareMillisTakesABareNumberAsMilliseconds(String text, Duration expected) {
        assertThat(millis.convert(text)).isEqualTo(expected);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("", "'' is empty"),
                Arguments.of("  ", "'  ' is empty"),
                Arguments.of("-5", "'-5' is negative"),
                Arguments.of("-5s", "'-5s' is negative"),
                Arguments.of("15x", "'15x' is not a duration"),
                Arguments.of("s", "'s' is not a duration"),
                Arguments.of("15 s", "'15 s' is not a duration"),
                Arguments.of("1.5.5s", "'1.5.5s' is not a duration"),
                Arguments.of("1e3s", "'1e3s' is not a duration"),
                Arguments.of("five", "'five' is not a duration"),
                Arguments.of(
                        "30s1m",
                        "'30s1m' has a unit twice or out of order (expected: the largest unit first, "
                                + "each once, as in 1m30s)"),
                Arguments.of(
                        "1m1m",
                        "'1m1m' has a unit twice or out of order (expected: the largest unit first, "
                                + "each once, as in 1m30s)"),
                Arguments.of("0.5ns", "'0.5ns' is finer than a nanosecond"),
                Arguments.of("2562048h", "'2562048h' is too long (expected: at most 292 years)"),
                Arguments.of("PT-5S", "'PT-5S' is negative"),
                Arguments.of("PTXS", "'PTXS' is not an ISO-8601 duration"),
                Arguments.of("P9999999D", "'P9999999D' is too long (expected: at most 292 years)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesWithAMessageThatSaysWhyAndWhatIsAccepted(String text, String message) {
        assertThatThrownBy(() -> seconds.convert(text))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage(
                        message.contains("(expected: ")
                                ? message
                                : message
                                        + " (expected: a duration such as 15 (seconds), 1.5s, 500ms, 250us, 2m, 1h, 1m30s or PT15S)");
    }

    @Test
    void bareMillisSaysABareNumberIsMilliseconds() {
        assertThatThrownBy(() -> millis.convert("-1"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage("'-1' is negative (expected: a duration such as 500 (milliseconds), 1.5s, 500ms, 250us, "
                        + "2m, 1h, 1m30s or PT15S)");
    }

    static Stream<Arguments> formatted() {
        return Stream.of(
                Arguments.of(Duration.ZERO, "0s"),
                Arguments.of(Duration.ofSeconds(30), "30s"),
                Arguments.of(Duration.ofMillis(1500), "1.5s"),
                Arguments.of(Duration.ofMillis(500), "500ms"),
                Arguments.of(Duration.ofNanos(250_000), "250us"),
                Arguments.of(Duration.ofNanos(7), "7ns"),
                Arguments.of(Duration.ofSeconds(90), "1m30s"),
                Arguments.of(Duration.ofMinutes(60), "1h"),
                Arguments.of(Duration.ofSeconds(3601), "1h1s"),
                Arguments.of(Duration.ofMillis(3_723_500), "1h2m3.5s"),
                Arguments.of(Duration.ofDays(2), "48h"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("formatted")
    void formatsShortestAndReadsBack(Duration d, String text) {
        assertThat(DurationConverter.format(d)).isEqualTo(text);
        assertThat(seconds.convert(text)).isEqualTo(d);
    }
}
