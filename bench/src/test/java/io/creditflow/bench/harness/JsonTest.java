package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void writesAndReadsBackEveryKindOfValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote \" backslash \\ newline \n tab \t control \u0001 unicode é");
        m.put("long", 1234567890123L);
        m.put("neg", -5);
        m.put("double", 1234.5678);
        m.put("small", 0.000123);
        m.put("integral double", 95.0);
        m.put("nan", Double.NaN);
        m.put("t", true);
        m.put("null", null);
        m.put("list", List.of(1, "two", List.of()));
        m.put("array", new long[] {3, 4});
        m.put("map", Map.of("k", 1));
        String text = Json.write(m);
        Map<String, Object> back = Json.parseObject(text);
        assertThat(back.get("s")).isEqualTo(m.get("s"));
        assertThat(back.get("long")).isEqualTo(1234567890123L);
        assertThat(back.get("neg")).isEqualTo(-5L);
        assertThat((Double) back.get("double")).isCloseTo(1234.5678, org.assertj.core.data.Offset.offset(0.01));
        assertThat((Double) back.get("small")).isCloseTo(0.000123, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(back.get("integral double")).isEqualTo(95L);
        assertThat(back).containsEntry("nan", null).containsEntry("t", true).containsEntry("null", null);
        assertThat(back.get("list")).isEqualTo(List.of(1L, "two", List.of()));
        assertThat(back.get("array")).isEqualTo(List.of(3L, 4L));
        assertThat(back.get("map")).isEqualTo(Map.of("k", 1L));
        assertThat(text).doesNotContain("\n").doesNotContain("NaN");
    }

    @Test
    void keepsSixSignificantDigitsWithoutEatingIntegerZeros() {
        assertThat(Json.sixDigits(141819.9)).isEqualTo("141820");
        assertThat(Json.sixDigits(1234567.8)).isEqualTo("1.23457e+06");
        assertThat(Json.sixDigits(1200000.4)).isEqualTo("1.2e+06");
        assertThat(Json.sixDigits(0.5)).isEqualTo("0.5");
        assertThat(Json.sixDigits(100.25)).isEqualTo("100.250".substring(0, 6));
        assertThat(Json.sixDigits(1.5e-7)).isEqualTo("1.5e-07");
        for (double d : new double[] {141819.9, 10.5, 99999.95, 1e20 + 0.5, -3.25e-5}) {
            assertThat(((Number) Json.parse(Json.write(d))).doubleValue())
                    .as("%s", d)
                    .isCloseTo(d, org.assertj.core.data.Percentage.withPercentage(0.001));
        }
    }

    @Test
    void rejectsMalformedInput() {
        for (String bad : Arrays.asList("", "{", "{\"a\" 1}", "[1,]", "{\"a\":1} x", "\"unterminated", "tru", "01x")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Json.parseObject("[1]")).hasMessageContaining("expected a JSON object");
    }

    @Test
    void aRowIsOneLineWithEveryFieldAndNullsWhereNotApplicable() {
        Scenario s1 = BenchOptions.parse().selected().get(0);
        Row row = Row.of(s1, SystemKind.NETTY_NAIVE, new MachineLoad(0.5, 2, 0.1, 0.05, 1).toMap())
                .set("msgs_per_s", 700_000.0)
                .set("note", "a \"quoted\"\nnote");
        String line = row.toJson();
        assertThat(line).doesNotContain("\n");
        Map<String, Object> back = Json.parseObject(line);
        assertThat(back.keySet()).containsExactlyElementsOf(Row.FIELDS);
        assertThat(back)
                .containsEntry("scenario", "S1")
                .containsEntry("system", "netty-naive")
                .containsEntry("msgs_per_s", 700_000L)
                .containsEntry("p99_us", null)
                .containsEntry("note", "a \"quoted\"\nnote")
                .containsEntry("machine_cores", 2L);
        for (String required : List.of(
                "scenario",
                "system",
                "msgs_per_s",
                "mib_per_s",
                "cpu_s_per_million",
                "heap_peak_mib",
                "direct_peak_mib",
                "p50_us",
                "p99_us",
                "p999_us")) {
            assertThat(back).containsKey(required);
        }
        assertThatThrownBy(() -> row.set("no_such_field", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRunSpecSurvivesTheTripToAChild() {
        Scenario s3 = BenchOptions.parse("--scenario", "S3").selected().get(1);
        RunSpec spec = s3.spec(SystemKind.GRPC, 0, true).withPort(4242);
        RunSpec back = RunSpec.fromJson(spec.toJson());
        assertThat(back).isEqualTo(spec);
        assertThat(back.isSlow(15)).isTrue();
        assertThat(back.isSlow(14)).isFalse();
        assertThat(back.durable()).isFalse();
        Scenario catchUp = Scenario.catalogue(Profile.DEFAULT).stream()
                .filter(s -> s.id().equals("S11-catch-up"))
                .findFirst()
                .orElseThrow();
        RunSpec durable = catchUp.spec(SystemKind.CREDITFLOW, 0, true);
        assertThat(RunSpec.fromJson(durable.toJson())).isEqualTo(durable);
        assertThat(durable.durable()).isTrue();
        assertThat(durable.fsync()).isEqualTo("batch");
        assertThat(durable.backlogRecords()).isEqualTo(1L << 20); // 1 GiB of 1 KiB payloads
    }
}
