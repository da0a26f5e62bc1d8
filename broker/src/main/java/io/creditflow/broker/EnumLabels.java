package io.creditflow.broker;

import java.util.Locale;

/** The command-line and metadata spelling of the broker's enums: {@code DROP_OLDEST} is {@code drop-oldest}. */
final class EnumLabels {
    private EnumLabels() {}

    /** {@code drop-oldest} for {@code DROP_OLDEST}. */
    static String label(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses {@code drop-oldest}, {@code DROP_OLDEST}, ...
     *
     * @throws IllegalArgumentException {@code what: text (expected: a, b or c)}
     */
    static <E extends Enum<E>> E parse(Class<E> type, String what, String text) {
        try {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            E[] values = type.getEnumConstants();
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < values.length; i++) {
                expected.append(i == 0 ? "" : i == values.length - 1 ? " or " : ", ")
                        .append(label(values[i]));
            }
            throw new IllegalArgumentException(what + ": " + text + " (expected: " + expected + ")");
        }
    }
}
