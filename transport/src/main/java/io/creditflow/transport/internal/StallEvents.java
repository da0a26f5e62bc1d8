package io.creditflow.transport.internal;

import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.StallTimer;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.function.Supplier;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * The transport's JDK Flight Recorder event {@code creditflow.StreamStall}: a stream (or the connection itself,
 * stream id 0) that stayed stalled for one {@link StallReason} longer than the event's threshold (1 s by default),
 * committed when the stall ends, with the stall as its duration. Any JFR recording shows it with no setup
 * ({@code jcmd <pid> JFR.start}).
 *
 * <p>The stall accounting ({@link StallTimer}) lives in the flow-control core, which knows nothing of JFR; this
 * class watches it from the connection's tick ({@link EndpointSettings#TICK_NANOS}, 50 ms): a stall is seen to
 * begin at the first tick that finds it, and to end at the first tick that no longer does (or when its stream or
 * the connection closes), so the event's start and duration are those of the stall to within a tick. A stall that
 * begins and ends between two ticks is shorter than a tick and is not seen.
 *
 * <p>Off cost: while no recording enables the event, a tick costs one {@code isEnabled()} check and nothing is
 * kept. While one does, the tick looks at each live stream's stall flags and keeps an entry only for a stream that
 * is stalled now: <b>bound</b> one entry per live stream (the registry's own bound), each at most one event per
 * reason; <b>when full</b> n/a, entries go with their stall or their stream; <b>pressure</b> none, nothing waits;
 * <b>observed</b> the recording itself.
 *
 * <p>Event-loop confined: one per connection, called by its handler's tick and teardown.
 */
final class StallEvents {
    private static final StallReason[] REASONS = StallReason.values();

    @Name("creditflow.StreamStall")
    @Label("Transport Stream Stall")
    @Category({"creditflow", "Transport"})
    @Description("A stream (or, as stream 0, a connection) was stalled for longer than the threshold, and why")
    @Threshold("1 s")
    @StackTrace(false)
    static final class StreamStall extends Event {
        @Label("Connection")
        @Description("The connection: its peer's address and this side's role")
        String connection;

        @Label("Stream Id")
        @Description("0 for the connection itself")
        int streamId;

        @Label("Reason")
        @Description("no_peer_credit, channel_not_writable, application_not_reading, budget_exhausted")
        String reason;
    }

    /** The stall events begun for one stream (or the connection), by reason ordinal. */
    private static final class Open {
        final StallTimer timer;
        final StreamStall[] events = new StreamStall[REASONS.length];
        long seenAtTick;

        Open(StallTimer timer) {
            this.timer = timer;
        }
    }

    private final StallTimer connectionStalls;
    private final StreamRegistry registry;
    private final Supplier<String> connectionName;
    /** By stream id (0: the connection); only streams stalled now, and only while a recording wants the event. */
    private final IntObjectHashMap<Open> open = new IntObjectHashMap<>();

    private long ticks;

    StallEvents(StallTimer connectionStalls, StreamRegistry registry, Supplier<String> connectionName) {
        this.connectionStalls = connectionStalls;
        this.registry = registry;
        this.connectionName = connectionName;
    }

    /** Whether a recording wants the event now. */
    static boolean enabled() {
        return new StreamStall().isEnabled();
    }

    /** Stall events begun and not yet ended (tests). */
    int openEvents() {
        int n = 0;
        for (Open o : open.values()) {
            for (StreamStall e : o.events) {
                if (e != null) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The connection's tick: begins the events of stalls that began, ends those of stalls that ended. */
    void tick() {
        if (!enabled()) {
            if (!open.isEmpty()) {
                open.clear(); // the recording stopped: what was begun is of no use to anyone
            }
            return;
        }
        long tick = ++ticks;
        observe(0, connectionStalls, tick);
        for (DefaultStream s : registry.snapshot()) {
            observe(s.id, s.transport.stalls, tick);
        }
        // Streams that were stalled at the last tick and are gone now: their stalls ended with them.
        for (Iterator<IntObjectMap.PrimitiveEntry<Open>> it = open.entries().iterator(); it.hasNext(); ) {
            IntObjectMap.PrimitiveEntry<Open> entry = it.next();
            if (entry.value().seenAtTick != tick) {
                endAll(entry.key(), entry.value());
                it.remove();
            }
        }
    }

    /** The connection closed: every stall in progress ended with it. */
    void close() {
        for (IntObjectMap.PrimitiveEntry<Open> entry : open.entries()) {
            endAll(entry.key(), entry.value());
        }
        open.clear();
    }

    private void observe(int id, StallTimer timer, long tick) {
        Open o = open.get(id);
        if (o != null && o.timer != timer) { // not expected (ids are not reused), but never mix two streams
            endAll(id, o);
            open.remove(id);
            o = null;
        }
        boolean any = false;
        for (int i = 0; i < REASONS.length; i++) {
            boolean stalled = timer.isStalled(REASONS[i]);
            StreamStall e = o == null ? null : o.events[i];
            if (stalled && e == null) {
                if (o == null) {
                    o = new Open(timer);
                    open.put(id, o);
                }
                e = new StreamStall();
                e.begin();
                o.events[i] = e;
            } else if (!stalled && e != null) {
                end(e, id, REASONS[i]);
                o.events[i] = null;
            }
            any |= stalled;
        }
        if (o != null) {
            if (any) {
                o.seenAtTick = tick;
            } else {
                open.remove(id);
            }
        }
    }

    private void endAll(int id, Open o) {
        for (int i = 0; i < REASONS.length; i++) {
            if (o.events[i] != null) {
                end(o.events[i], id, REASONS[i]);
                o.events[i] = null;
            }
        }
    }

    private void end(StreamStall e, int id, StallReason reason) {
        e.end();
        if (e.shouldCommit()) {
            e.connection = connectionName.get();
            e.streamId = id;
            e.reason = reason.name().toLowerCase(Locale.ROOT);
            e.commit();
        }
    }
}
