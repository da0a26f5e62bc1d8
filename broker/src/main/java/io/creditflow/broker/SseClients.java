package io.creditflow.broker;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The dashboard's live connections ({@code GET /events}, server-sent events), each fed one event a second.
 *
 * <p>The four questions: <b>bound</b> {@code maxClients} connections, and per connection what Netty buffers up to
 * its high write watermark ({@link #HIGH_WATERMARK_BYTES}) plus one event; <b>when full</b> a connection beyond
 * the bound gets 503, and a connection still unwritable when the next event is due (a browser that does not read)
 * is closed, never buffered for; <b>pressure</b> none goes upstream: the broker only drops the slow browser;
 * <b>observed</b> {@code creditflow_dashboard_clients}, {@code creditflow_dashboard_clients_closed_slow_total}.
 *
 * <p>Event-loop confined: every method runs on the HTTP edge's one event loop.
 */
final class SseClients {
    /** Below this a slow connection is writable again (Netty's low watermark). */
    static final int LOW_WATERMARK_BYTES = 16 * 1024;
    /** Buffered bytes per connection before it counts as unwritable (then it is closed at the next event). */
    static final int HIGH_WATERMARK_BYTES = 64 * 1024;

    private final int maxClients;
    private final Set<Channel> channels = new LinkedHashSet<>();
    private volatile int size;
    private volatile long closedSlow;

    SseClients(int maxClients) {
        this.maxClients = maxClients;
    }

    /** False if {@code maxClients} are connected already (the caller answers 503). */
    boolean hasRoom() {
        return channels.size() < maxClients;
    }

    /** Adds a connection whose response headers were written; sends it {@code first} at once. */
    void add(Channel ch, String first) {
        channels.add(ch);
        size = channels.size();
        ch.closeFuture().addListener(f -> {
            channels.remove(ch);
            size = channels.size();
        });
        write(ch, first);
    }

    /** Sends {@code event} (one SSE event, already framed) to every connection; closes the ones still unwritable. */
    void broadcast(String event) {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        for (Channel ch : channels.toArray(new Channel[0])) {
            if (!ch.isWritable()) {
                closedSlow++;
                ch.close(); // its buffered events are dropped with it
                continue;
            }
            ch.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
        }
    }

    private static void write(Channel ch, String event) {
        ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(event, StandardCharsets.UTF_8)));
    }

    /** Connections now (readable from any thread). */
    int size() {
        return size;
    }

    /** Connections closed because they did not read their events (readable from any thread). */
    long closedSlow() {
        return closedSlow;
    }
}
