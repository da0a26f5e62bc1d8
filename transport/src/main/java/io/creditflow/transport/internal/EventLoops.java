package io.creditflow.transport.internal;

import io.netty.util.internal.ThreadExecutorMap;

/** Guards against blocking an event loop. Stateless. */
final class EventLoops {
    private EventLoops() {}

    /** True if the current thread runs a Netty event loop (any group, not only ours). */
    static boolean onEventLoop() {
        return ThreadExecutorMap.currentExecutor() != null;
    }

    /**
     * Fails fast if called on an event loop, where blocking would stall every connection on that loop
     * (and could deadlock: the credit that would unblock the call is read by that same thread).
     */
    static void checkNotOnEventLoop(String operation) {
        if (onEventLoop()) {
            throw new IllegalStateException(operation + " called on event loop thread "
                    + Thread.currentThread().getName()
                    + ": it would block the transport; use offer(), the async send(), or another thread");
        }
    }
}
