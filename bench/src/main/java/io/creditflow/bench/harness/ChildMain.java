package io.creditflow.bench.harness;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * A child JVM: the receiving or the sending side of one system, driven by the orchestrator through
 * commands on stdin, one per line, each answered by one line on stdout starting with {@code @}:
 *
 * <pre>
 * SETUP {spec}     receiver: start the server, answer its port; sender: connect and open the streams
 * AWAIT n millis   receiver: wait until n streams (connections) are accepted
 * START            sender: start the send loop; receiver: start the paced slow reader
 * MARK             the measured window starts (a stall starts here)
 * STOP             the window ends: answers "@RESULT {json}" with this side's figures (the send loop stops)
 * DRAIN [{json}]   sender: answers its sent count per stream; receiver, given those counts and a timeout:
 *                  waits until every stream it is not holding has consumed what was sent, or the timeout
 *                  passes, and answers its consumed count and its delivery check per stream
 * TEARDOWN         close the run's connections and server
 * EXIT
 * </pre>
 *
 * Anything libraries print goes to stderr; stdout carries only the protocol.
 */
public final class ChildMain {
    private final boolean receiverRole;
    private final SystemKind system;
    private final PrintStream out;
    private final ProcessProbe probe;
    private RunSpec spec;
    private RunContext ctx;
    private Receiver receiver;
    private Sender sender;
    private SendLoop loop;
    private SlowReader slowReader;
    private long heapBefore = -1;
    private int port = -1;
    private final Map<String, Object> setupFigures = new LinkedHashMap<>();

    private ChildMain(boolean receiverRole, SystemKind system, PrintStream out) {
        this.receiverRole = receiverRole;
        this.system = system;
        this.out = out;
        this.probe = new ProcessProbe(DirectMemory.forSystem(system));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !(args[0].equals("receiver") || args[0].equals("sender"))) {
            System.err.println(
                    "usage: ChildMain receiver|sender " + SystemKind.labels().replace(", ", "|"));
            System.exit(2);
        }
        PrintStream protocol =
                new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        ChildMain child = new ChildMain(args[0].equals("receiver"), SystemKind.parse(args[1]), protocol);
        child.run();
    }

    private void run() throws Exception {
        Map<String, Object> hello = new LinkedHashMap<>();
        hello.put("pid", ProcessHandle.current().pid());
        hello.put("nanos", System.nanoTime());
        hello.put("java", System.getProperty("java.version"));
        reply("HELLO", hello);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            int sp = line.indexOf(' ');
            String cmd = sp < 0 ? line : line.substring(0, sp);
            String arg = sp < 0 ? "" : line.substring(sp + 1);
            try {
                if (cmd.equals("EXIT")) {
                    teardown();
                    reply("OK", Map.of());
                    break;
                }
                handle(cmd, arg);
            } catch (Throwable e) {
                out.println("@ERROR " + Json.write(Map.of("command", cmd, "error", String.valueOf(e))));
                e.printStackTrace();
            }
        }
        System.exit(0);
    }

    private void reply(String tag, Map<String, Object> body) {
        out.println("@" + tag + " " + Json.write(body));
    }

    private void handle(String cmd, String arg) throws Exception {
        switch (cmd) {
            case "SETUP" -> setup(RunSpec.fromJson(arg));
            case "AWAIT" -> await(arg);
            case "START" -> start();
            case "MARK" -> mark();
            case "STOP" -> stop();
            case "DRAIN" -> drain(arg);
            case "TEARDOWN" -> {
                teardown();
                reply("OK", Map.of());
            }
            default -> throw new IllegalArgumentException("unknown command " + cmd);
        }
    }

    private void setup(RunSpec s) throws Exception {
        teardown();
        this.spec = s;
        int streams = s.kind().broker() ? s.consumers() + 1 : s.totalStreams();
        int[] tracked = s.kind() == Kind.SCALE
                ? new int[0]
                : IntStream.range(0, streams)
                        .filter(i -> s.isSlow(i) || s.stallAtMark() || s.relayed())
                        .toArray();
        Meter meter = new Meter(streams, tracked);
        this.ctx = new RunContext(s, meter);
        setupFigures.clear();
        Map<String, Object> r = new LinkedHashMap<>();
        if (receiverRole) {
            receiver = system.newReceiver(s);
            int port = receiver.start(ctx);
            this.port = port;
            Receiver rcv = receiver;
            probe.begin(meter, rcv::heldBytes);
            if (s.kind() == Kind.SCALE) {
                heapBefore = probe.heapAfterGc();
            }
            r.put("port", port);
        } else {
            sender = system.newSender(s);
            probe.begin(meter, null);
            if (s.kind() == Kind.SCALE) {
                heapBefore = probe.heapAfterGc();
            }
            long t0 = System.nanoTime();
            sender.open(ctx, "127.0.0.1", s.port());
            long t1 = System.nanoTime();
            setupFigures.put("open_start_nanos", t0);
            setupFigures.put("open_issued_s", (t1 - t0) / 1e9);
            r.putAll(setupFigures);
        }
        reply("OK", r);
    }

    private void await(String arg) throws InterruptedException {
        String[] parts = arg.split(" ");
        int target = Integer.parseInt(parts[0]);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Long.parseLong(parts[1]));
        int n;
        while ((n = receiver.accepted()) < target && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        long at = System.nanoTime();
        setupFigures.put("accepted", n);
        setupFigures.put("accepted_nanos", at);
        reply("OK", Map.of("count", n, "nanos", at));
    }

    private void start() {
        if (receiverRole) {
            int[] slow = IntStream.range(0, ctx.meter().streams())
                    .filter(spec::isSlow)
                    .toArray();
            if (!spec.kind().broker() && slow.length > 0) {
                Receiver rcv = receiver;
                slowReader = new SlowReader(slow, spec.slowRate(), rcv::consumeOne).start();
            }
        } else if (sender.streams() > 0) { // a catch-up run has no producer: its backlog was written before
            loop = new SendLoop(sender, ctx);
            loop.start();
        }
        reply("OK", Map.of());
    }

    private void mark() {
        if (receiverRole && spec.stallAtMark()) {
            ctx.stall();
        }
        probe.mark(spec.gcAtMark());
        ctx.meter().mark();
        if (loop != null) {
            loop.mark();
        }
        reply("OK", Map.of("nanos", System.nanoTime()));
    }

    private void stop() throws InterruptedException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("role", receiverRole ? "receiver" : "sender");
        r.putAll(probe.stop(spec.gcAtMark()));
        r.putAll(ctx.meter().result());
        if (heapBefore >= 0) {
            r.put("heap_before_mib", heapBefore / (1024.0 * 1024));
        }
        r.putAll(setupFigures);
        r.putAll(receiverRole ? receiver.figures() : sender.figures());
        if (receiverRole && port > 0 && spec.kind() != Kind.SCALE) { // after the window: ss costs CPU
            r.putAll(SocketBuffers.sample(port));
        }
        if (loop != null) {
            loop.stop();
            if (loop.failure() != null) {
                r.put("send_failure", String.valueOf(loop.failure()));
            }
            loop = null;
        }
        reply("RESULT", r);
    }

    private void drain(String arg) throws InterruptedException {
        Meter meter = ctx.meter();
        int n = meter.streams();
        Map<String, Object> r = new LinkedHashMap<>();
        if (!receiverRole) {
            if (loop != null) {
                loop.stop();
                loop = null;
            }
            long[] sent = new long[n];
            for (int i = 0; i < n; i++) {
                sent[i] = meter.sentMessages(i);
            }
            r.put("sent_msgs_total", sent);
            reply("DRAINED", r);
            return;
        }
        Map<String, Object> req = Json.parseObject(arg);
        long[] sent = Json.getLongArray(req, "sent_msgs_total");
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(Json.getLong(req, "timeout_ms", 10_000));
        if (sent.length != n) {
            throw new IllegalArgumentException("DRAIN: " + sent.length + " sent counts for " + n + " streams");
        }
        receiver.beforeDrain();
        long t0 = System.nanoTime();
        long deadline = t0 + timeoutNanos;
        boolean drained;
        while (!(drained = drained(sent)) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        long[] consumed = new long[n];
        boolean[] held = new boolean[n];
        for (int i = 0; i < n; i++) {
            consumed[i] = meter.consumedMessages(i); // read first: it publishes the check's counts
            held[i] = ctx.held(i);
        }
        r.put("drained", drained);
        r.put("drain_s", (System.nanoTime() - t0) / 1e9);
        r.put("consumed_msgs_total", consumed);
        long[] heldFlags = new long[n];
        for (int i = 0; i < n; i++) {
            heldFlags[i] = held[i] ? 1 : 0;
        }
        r.put("held", heldFlags);
        r.putAll(ctx.check().result());
        reply("DRAINED", r);
    }

    /** True once every stream not held has consumed at least what was sent on it. */
    private boolean drained(long[] sent) {
        for (int i = 0; i < sent.length; i++) {
            if (!ctx.held(i) && ctx.meter().consumedMessages(i) < sent[i]) {
                return false;
            }
        }
        return true;
    }

    private void teardown() throws InterruptedException {
        if (loop != null) {
            loop.stop();
            loop = null;
        }
        if (slowReader != null) {
            slowReader.close();
            slowReader = null;
        }
        if (sender != null) {
            sender.close();
            sender = null;
        }
        if (receiver != null) {
            receiver.close();
            receiver = null;
        }
        heapBefore = -1;
    }
}
