package io.creditflow.bench.harness;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The harness's JSON (child results, run specs, {@code --json} rows) on Jackson: values are strings, numbers,
 * booleans, nulls, lists, {@code long[]} and maps, written on one line. The harness's own conventions on top:
 * doubles keep six significant digits (integral ones are written as integers), non-finite doubles are written as
 * null, enums by name; when read back, integral numbers are {@code Long} and others {@code Double}, objects keep
 * their key order.
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper READER = new ObjectMapper()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    /** One value as JSON text. */
    public static String write(Object value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string cannot fail", e);
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                g.writeNull();
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                g.writeNumber((long) d);
            } else {
                g.writeNumber(sixDigits(d));
            }
        } else if (v instanceof Number n) {
            g.writeNumber(n.longValue());
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof Collection<?> c) {
            g.writeStartArray();
            for (Object o : c) {
                write(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof long[] a) {
            g.writeArray(a, 0, a.length);
        } else if (v instanceof Enum<?> e) {
            g.writeString(e.name());
        } else {
            g.writeString(v.toString());
        }
    }

    /** Six significant digits, trailing zeros of the fraction dropped: 0.5, 1234.57, 1.5e-07. */
    static String sixDigits(double d) {
        String t = String.format(Locale.ROOT, "%.6g", d);
        int e = t.indexOf('e');
        String mantissa = e < 0 ? t : t.substring(0, e);
        String exponent = e < 0 ? "" : t.substring(e);
        if (mantissa.indexOf('.') >= 0) {
            mantissa = mantissa.replaceFirst("0+$", "");
            if (mantissa.endsWith(".")) {
                mantissa = mantissa.substring(0, mantissa.length() - 1);
            }
        }
        return mantissa + exponent;
    }

    /**
     * Parses one JSON value: objects become {@code LinkedHashMap<String, Object>}, arrays
     * {@code ArrayList<Object>}, numbers {@code Long} or {@code Double}.
     *
     * @throws IllegalArgumentException on malformed input or trailing text
     */
    public static Object parse(String text) {
        try {
            Object v = READER.readValue(text, Object.class);
            if (v == null && !text.strip().equals("null")) {
                throw new IllegalArgumentException("bad JSON: no value in " + abbreviate(text));
            }
            return v;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad JSON: " + e.getOriginalMessage() + " in " + abbreviate(text), e);
        }
    }

    /** Parses a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("expected a JSON object: " + abbreviate(text));
        }
        return (Map<String, Object>) v;
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    // ------------------------------------------------------------------ typed access to parsed objects

    public static long getLong(Map<String, Object> m, String key, long dflt) {
        Object v = m.get(key);
        return v instanceof Number n ? n.longValue() : dflt;
    }

    public static double getDouble(Map<String, Object> m, String key, double dflt) {
        Object v = m.get(key);
        return v instanceof Number n ? n.doubleValue() : dflt;
    }

    /** A number or null. */
    public static Double getDoubleOrNull(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Number n ? n.doubleValue() : null;
    }

    public static String getString(Map<String, Object> m, String key, String dflt) {
        Object v = m.get(key);
        return v == null ? dflt : v.toString();
    }

    public static boolean getBoolean(Map<String, Object> m, String key, boolean dflt) {
        Object v = m.get(key);
        return v instanceof Boolean b ? b : dflt;
    }

    public static long[] getLongArray(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof List<?> l)) {
            return new long[0];
        }
        long[] a = new long[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i) instanceof Number n ? n.longValue() : 0;
        }
        return a;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> getObject(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Map ? (Map<String, Object>) v : Map.of();
    }
}
