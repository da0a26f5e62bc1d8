package io.creditflow.broker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One figure of a {@link TopicBackend}, rendered into {@code GET /metrics} by the broker's own writer, beside its
 * families: points with the same {@code name} form one family (their {@code help} and {@code type} must agree).
 *
 * @param name the exposition name; a counter's ends in {@code _total}
 * @param help the family's HELP text
 * @param type gauge or counter
 * @param labels label names to values (empty for none)
 * @param value the sample
 */
public record BackendMetric(String name, String help, Type type, Map<String, String> labels, double value) {
    public enum Type {
        GAUGE,
        COUNTER
    }

    public BackendMetric {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(help, "help");
        Objects.requireNonNull(type, "type");
        labels = Map.copyOf(labels);
        if (type == Type.COUNTER && !name.endsWith("_total")) {
            throw new IllegalArgumentException("counter " + name + " (expected: a name ending in _total)");
        }
    }

    public static BackendMetric gauge(String name, String help, double value, String... labels) {
        return new BackendMetric(name, help, Type.GAUGE, pairs(labels), value);
    }

    public static BackendMetric counter(String name, String help, double value, String... labels) {
        return new BackendMetric(name, help, Type.COUNTER, pairs(labels), value);
    }

    private static Map<String, String> pairs(String... kv) {
        if (kv.length % 2 != 0) {
            throw new IllegalArgumentException("labels: name, value pairs (got " + kv.length + " strings)");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
