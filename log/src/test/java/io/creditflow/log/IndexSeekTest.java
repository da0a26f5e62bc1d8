package io.creditflow.log;

import static io.creditflow.log.LogTesting.small;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IndexSeekTest {
    private static final int INTERVAL = 200;

    @TempDir
    Path dir;

    private final List<Integer> sizes = new ArrayList<>();
    private final List<Long> timestamps = new ArrayList<>();

    private LogConfig config() {
        return small().segmentBytes(8192).indexIntervalBytes(INTERVAL).build();
    }

    /** Appends {@code n} records of random sizes and timestamps (not monotonic: producers' clocks differ). */
    private void fill(TopicLog log, Random random, int n) {
        long base = 1_000_000;
        for (int i = 0; i < n; i++) {
            int size = random.nextInt(150);
            long ts = base + i * 10L + random.nextInt(400) - 200;
            sizes.add(size);
            timestamps.add(ts);
            assertThat(log.append(AppendRecord.of(LogTesting.payload(i, size), ts))
                            .isOk())
                    .isTrue();
        }
    }

    private long bruteForceOffsetForTime(long t) {
        for (int i = 0; i < timestamps.size(); i++) {
            if (timestamps.get(i) >= t) {
                return i;
            }
        }
        return timestamps.size();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14})
    void seekByOffsetAndByTimeAgreeWithAScan(long seed) throws Exception {
        Random random = new Random(seed);
        try (FileTopicLog log = FileTopicLog.open(dir, config())) {
            fill(log, random, 800);
            for (int i = 0; i < 800; i++) {
                ReadResult r = log.read(i, 200, 1);
                assertThat(r.records()).hasSize(1);
                assertThat(r.records().get(0).offset()).isEqualTo(i);
                assertThat(r.records().get(0).timestampMillis()).isEqualTo(timestamps.get(i));
                assertThat(r.records().get(0).payload()).isEqualTo(LogTesting.payload(i, sizes.get(i)));
            }
            long min = timestamps.stream().mapToLong(Long::longValue).min().orElseThrow();
            long max = timestamps.stream().mapToLong(Long::longValue).max().orElseThrow();
            for (long t = min - 5; t <= max + 5; t += 1 + random.nextInt(7)) {
                assertThat(log.offsetForTime(t)).as("offsetForTime(%d)", t).isEqualTo(bruteForceOffsetForTime(t));
            }
            assertThat(log.offsetForTime(Long.MIN_VALUE)).isZero();
            assertThat(log.offsetForTime(Long.MAX_VALUE)).isEqualTo(800);
        }
    }

    @Test
    void theIndexHasOneEntryPerIntervalOfRecordBytes() throws Exception {
        Random random = new Random(5);
        try (FileTopicLog log = FileTopicLog.open(dir, config())) {
            fill(log, random, 600);
            int record = 0;
            for (Path p : log.segmentFiles()) {
                long base = Long.parseLong(p.getFileName().toString().substring(0, 20));
                // Replay the rule: an entry for a record starting at least INTERVAL bytes after the last one.
                List<long[]> expected = new ArrayList<>();
                long pos = 0;
                long lastIndexed = 0;
                long maxBefore = Long.MIN_VALUE;
                long segmentSize = Files.size(p);
                while (pos < segmentSize) {
                    if (pos > 0 && pos - lastIndexed >= INTERVAL) {
                        expected.add(new long[] {record - base, pos, maxBefore});
                        lastIndexed = pos;
                    }
                    maxBefore = Math.max(maxBefore, timestamps.get(record));
                    pos += LogRecord.HEADER_BYTES + sizes.get(record);
                    record++;
                }
                ByteBuffer index = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name(base, ".index"))));
                ByteBuffer time = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name(base, ".timeindex"))));
                assertThat(index.remaining()).isEqualTo(expected.size() * 8);
                assertThat(time.remaining()).isEqualTo(expected.size() * 12);
                for (int k = 0; k < expected.size(); k++) {
                    assertThat(index.getInt(k * 8)).isEqualTo((int) expected.get(k)[0]);
                    assertThat(index.getInt(k * 8 + 4)).isEqualTo((int) expected.get(k)[1]);
                    assertThat(time.getLong(k * 12)).isEqualTo(expected.get(k)[2]);
                    assertThat(time.getInt(k * 12 + 8)).isEqualTo((int) expected.get(k)[0]);
                }
            }
            assertThat(record).isEqualTo(600);
        }
    }

    @Test
    void deletedIndexesAreRebuiltIdenticallyAndSeeksStillWork() throws Exception {
        Random random = new Random(7);
        try (FileTopicLog log = FileTopicLog.open(dir, config())) {
            fill(log, random, 700);
        }
        Map<String, byte[]> before = indexFiles();
        assertThat(before).hasSizeGreaterThan(4);
        for (String name : before.keySet()) {
            Files.delete(dir.resolve(name));
        }
        try (FileTopicLog log = FileTopicLog.open(dir, config())) {
            assertThat(log.recoveryReport().indexesRebuilt()).hasSize(before.size() / 2);
            assertThat(log.recoveryReport().truncations()).isEmpty();
            for (int i = 0; i < 700; i += 3) {
                assertThat(log.read(i, 200, 1).records().get(0).offset()).isEqualTo(i);
            }
            for (long t = 999_000; t < 1_008_000; t += 37) {
                assertThat(log.offsetForTime(t)).isEqualTo(bruteForceOffsetForTime(t));
            }
        }
        Map<String, byte[]> after = indexFiles();
        assertThat(after.keySet()).isEqualTo(before.keySet());
        for (String name : before.keySet()) {
            assertThat(after.get(name)).as(name).isEqualTo(before.get(name));
        }
    }

    @Test
    void anIndexWhoseLastEntryPointsAtTheWrongRecordIsRebuilt() throws Exception {
        Random random = new Random(8);
        try (FileTopicLog log = FileTopicLog.open(dir, config())) {
            fill(log, random, 400);
        }
        Map<String, byte[]> before = indexFiles();
        Path first = dir.resolve(name(0, ".index"));
        byte[] b = Files.readAllBytes(first);
        ByteBuffer.wrap(b).putInt(b.length - 4, ByteBuffer.wrap(b).getInt(b.length - 4) + 1);
        Files.write(first, b);
        try (FileTopicLog log = FileTopicLog.open(dir, config())) {
            assertThat(log.recoveryReport().indexesRebuilt()).containsExactly(dir.resolve(name(0, ".log")));
            for (int i = 0; i < 400; i++) {
                assertThat(log.read(i, 200, 1).records().get(0).offset()).isEqualTo(i);
            }
        }
        assertThat(Files.readAllBytes(first)).isEqualTo(before.get(name(0, ".index")));
    }

    private Map<String, byte[]> indexFiles() throws Exception {
        Map<String, byte[]> out = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*index")) {
            for (Path p : files) {
                out.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    static String name(long base, String extension) {
        char[] zeros = new char[20 - Long.toString(base).length()];
        Arrays.fill(zeros, '0');
        return new String(zeros) + base + extension;
    }
}
