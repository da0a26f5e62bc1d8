package io.creditflow.bench.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The socket buffers a run's connections really had, as the kernel reports them: {@code ss -tmin} at the
 * end of the window, read by the receiver for the established TCP sockets on its port (its own, local
 * port = the port) and their peers (the sender's, peer port = the port; loopback, so both are on this
 * machine). {@code rb} and {@code tb} of {@code skmem} are the receive and send buffer sizes in bytes
 * (what {@code getsockopt(SO_RCVBUF/SO_SNDBUF)} answers: twice a value set with {@code setsockopt}, or
 * what autotuning grew it to). Each figure is the largest over the sockets of that side.
 *
 * <p>Bound: {@code ss} runs at most {@value #TIMEOUT_SECONDS} s (then it is killed) and its output,
 * written to a temporary file deleted after, is read only up to {@value #MAX_OUTPUT_BYTES} bytes; past
 * either the figures are left out, never waited for.
 */
final class SocketBuffers {
    static final int TIMEOUT_SECONDS = 5;
    static final int MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
    private static final Pattern ADDRESS = Pattern.compile("\\S+:(\\d+)\\s+\\S+:(\\d+)");
    private static final Pattern SKMEM = Pattern.compile("skmem:\\([^)]*\\brb(\\d+),t\\d+,tb(\\d+)");

    private SocketBuffers() {}

    /** The figures from {@code ss -tmin} output for the sockets of {@code port}; empty if none matched. */
    static Map<String, Object> parse(String ss, int port) {
        long rcvRb = -1;
        long rcvTb = -1;
        long sndRb = -1;
        long sndTb = -1;
        int receiverSockets = 0;
        int senderSockets = 0;
        int side = 0; // 1 receiver, 2 sender, 0 neither, for the skmem line that follows an address line
        for (String line : ss.split("\n")) {
            Matcher a = ADDRESS.matcher(line);
            Matcher m = SKMEM.matcher(line);
            if (m.find()) {
                long rb = Long.parseLong(m.group(1));
                long tb = Long.parseLong(m.group(2));
                if (side == 1) {
                    rcvRb = Math.max(rcvRb, rb);
                    rcvTb = Math.max(rcvTb, tb);
                } else if (side == 2) {
                    sndRb = Math.max(sndRb, rb);
                    sndTb = Math.max(sndTb, tb);
                }
                side = 0;
            } else if (a.find()) {
                int local = Integer.parseInt(a.group(1));
                int peer = Integer.parseInt(a.group(2));
                side = local == port ? 1 : peer == port ? 2 : 0;
                receiverSockets += side == 1 ? 1 : 0;
                senderSockets += side == 2 ? 1 : 0;
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        if (receiverSockets + senderSockets == 0) {
            return r;
        }
        r.put("rcvbuf_bytes_receiver", rcvRb < 0 ? null : rcvRb);
        r.put("sndbuf_bytes_receiver", rcvTb < 0 ? null : rcvTb);
        r.put("rcvbuf_bytes_sender", sndRb < 0 ? null : sndRb);
        r.put("sndbuf_bytes_sender", sndTb < 0 ? null : sndTb);
        r.put("sockets_receiver", receiverSockets);
        r.put("sockets_sender", senderSockets);
        return r;
    }

    /** Runs {@code ss} for the sockets of {@code port}; empty where it is missing, fails or is too slow. */
    static Map<String, Object> sample(int port) {
        Process p = null;
        Path out = null;
        try {
            out = Files.createTempFile("creditflow-ss", ".txt");
            p = new ProcessBuilder(
                            "ss", "-tmin", "state", "established", "( sport = :" + port + " or dport = :" + port + " )")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    || p.exitValue() != 0
                    || Files.size(out) > MAX_OUTPUT_BYTES) {
                return Map.of();
            }
            return parse(Files.readString(out, StandardCharsets.UTF_8), port);
        } catch (IOException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // a temporary file left behind
                }
            }
        }
    }
}
