package io.creditflow.bench.jmh;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A JMH executor ({@code -Djmh.executor=CUSTOM -Djmh.executor.class=}this class) whose worker threads
 * are Netty {@link io.netty.util.concurrent.FastThreadLocalThread}s, like the event-loop threads that
 * run creditflow's codec.
 *
 * <p>Why: in Netty 4.2 the pooled allocator's thread cache and the {@link io.netty.util.Recycler}
 * (which recycles {@code PooledByteBuf} and pooled slice objects) only work on such threads by
 * default. On JMH's plain worker threads every pooled buffer and every retained slice allocates a new
 * wrapper object (about 116 and 72 bytes), which the transport never pays on its event loop.
 */
public final class EventLoopLikeExecutor extends ThreadPoolExecutor {

    /** The constructor JMH's CUSTOM executor type calls. */
    public EventLoopLikeExecutor(int maxThreads, String prefix) {
        super(
                maxThreads,
                maxThreads,
                1,
                TimeUnit.MINUTES,
                new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
