package io.creditflow.broker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line must be a {@code # HELP},
 * a {@code # TYPE} or a sample of the family the last {@code # TYPE} opened; each family is declared once, each
 * series (name and labels) appears once, names and values are checked against the format's grammar. It reads
 * only what a counter or gauge family writes (no histogram or summary suffixes), which is all {@code /metrics}
 * has. Not thread-safe; confine to one thread.
 */
final class PrometheusText {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern VALUE = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?|[-+]Inf|NaN");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)( -?\\d+)?");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "untyped");

    /** A metric family: its name, type and help as declared, and its samples in order. */
    record Family(String name, String type, String help, List<Sample> samples) {
        /** The label names its samples carry, sorted. */
        Set<String> labelNames() {
            Set<String> names = new TreeSet<>();
            samples.forEach(s -> names.addAll(s.labels().keySet()));
            return names;
        }

        /** The value of the one sample with exactly these labels (name, value pairs); fails if there is none. */
        double value(String... labels) {
            Map<String, String> wanted = new LinkedHashMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                wanted.put(labels[i], labels[i + 1]);
            }
            return samples.stream()
                    .filter(s -> s.labels().equals(wanted))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name + wanted + ": no such sample in " + samples))
                    .value();
        }
    }

    /** One sample line: labels in the order written. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private PrometheusText() {}

    /**
     * The value of the series {@code name} with exactly {@code labels} (name, value pairs) in {@code exposition},
     * read strictly; fails if the text breaks the format or has no such series.
     */
    static double value(String exposition, String name, String... labels) {
        Family family = parse(exposition).get(name);
        if (family == null) {
            throw new AssertionError("no family " + name + " in\n" + exposition);
        }
        return family.value(labels);
    }

    /** Parses {@code text}; throws AssertionError naming the line that breaks the format. */
    static Map<String, Family> parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> pendingHelp = new LinkedHashMap<>();
        Set<String> series = new TreeSet<>();
        Family current = null;
        String[] lines = text.split("\n", -1);
        if (!lines[lines.length - 1].isEmpty()) {
            throw new AssertionError("the exposition must end with a newline");
        }
        for (int n = 0; n < lines.length - 1; n++) {
            String line = lines[n];
            String where = "line " + (n + 1) + " '" + line + "': ";
            if (line.startsWith("# HELP ")) {
                String[] parts = line.substring(7).split(" ", 2);
                requireName(parts[0], where);
                if (families.containsKey(parts[0]) || pendingHelp.containsKey(parts[0])) {
                    throw new AssertionError(where + "HELP after the family was declared");
                }
                pendingHelp.put(parts[0], parts.length > 1 ? unescapeHelp(parts[1], where) : "");
            } else if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                if (parts.length != 2 || !TYPES.contains(parts[1])) {
                    throw new AssertionError(where + "expected '# TYPE name counter|gauge|untyped'");
                }
                requireName(parts[0], where);
                if (families.containsKey(parts[0])) {
                    throw new AssertionError(where + "family declared twice");
                }
                current = new Family(parts[0], parts[1], pendingHelp.remove(parts[0]), new ArrayList<>());
                families.put(current.name(), current);
            } else if (line.startsWith("#") || line.isEmpty()) {
                throw new AssertionError(where + "only HELP, TYPE and sample lines are expected");
            } else {
                Matcher m = SAMPLE.matcher(line);
                if (!m.matches() || !VALUE.matcher(m.group(4)).matches()) {
                    throw new AssertionError(where + "not a sample line");
                }
                if (current == null || !current.name().equals(m.group(1))) {
                    throw new AssertionError(where + "sample outside its family's TYPE block");
                }
                Map<String, String> labels = m.group(3) == null ? Map.of() : labels(m.group(3), where);
                if (!series.add(m.group(1) + new java.util.TreeMap<>(labels))) {
                    throw new AssertionError(where + "series written twice");
                }
                current.samples().add(new Sample(m.group(1), labels, value(m.group(4))));
            }
        }
        if (!pendingHelp.isEmpty()) {
            throw new AssertionError("HELP without a TYPE: " + pendingHelp.keySet());
        }
        return families;
    }

    private static void requireName(String name, String where) {
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new AssertionError(where + "invalid metric name");
        }
    }

    private static double value(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    /** {@code a="x",b="y\"z"} (a trailing comma allowed) to an ordered map, undoing the value escapes. */
    private static Map<String, String> labels(String text, String where) {
        Map<String, String> labels = new LinkedHashMap<>();
        int i = 0;
        while (i < text.length()) {
            int eq = text.indexOf("=\"", i);
            if (eq < 0) {
                throw new AssertionError(where + "expected name=\"value\" in the labels");
            }
            String name = text.substring(i, eq);
            if (!LABEL_NAME.matcher(name).matches() || name.startsWith("__")) {
                throw new AssertionError(where + "invalid label name '" + name + "'");
            }
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < text.length() && text.charAt(j) != '"'; j++) {
                char c = text.charAt(j);
                if (c == '\\') {
                    char next = j + 1 < text.length() ? text.charAt(++j) : ' ';
                    switch (next) {
                        case '\\' -> value.append('\\');
                        case '"' -> value.append('"');
                        case 'n' -> value.append('\n');
                        default -> throw new AssertionError(where + "bad escape in a label value");
                    }
                } else if (c == '\n') {
                    throw new AssertionError(where + "raw newline in a label value");
                } else {
                    value.append(c);
                }
            }
            if (j >= text.length()) {
                throw new AssertionError(where + "unterminated label value");
            }
            if (labels.put(name, value.toString()) != null) {
                throw new AssertionError(where + "label '" + name + "' twice");
            }
            i = j + 1;
            if (i < text.length()) {
                if (text.charAt(i) != ',') {
                    throw new AssertionError(where + "expected ',' between labels");
                }
                i++;
            }
        }
        return labels;
    }

    private static String unescapeHelp(String help, String where) {
        StringBuilder out = new StringBuilder(help.length());
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            if (c == '\\') {
                char next = i + 1 < help.length() ? help.charAt(++i) : ' ';
                switch (next) {
                    case '\\' -> out.append('\\');
                    case 'n' -> out.append('\n');
                    default -> throw new AssertionError(where + "bad escape in HELP");
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
