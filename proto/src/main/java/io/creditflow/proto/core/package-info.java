/**
 * The flow-control core: plain Java, no Netty, event-loop confined unless a class says otherwise.
 *
 * <p>Part of the public API, because the transport's API names them: {@link io.creditflow.proto.core.MemoryBudget}
 * (its embedder face: reserve, release, observe; the scheduling methods are package-private),
 * {@link io.creditflow.proto.core.NanoClock}, {@link io.creditflow.proto.core.StallReason},
 * {@link io.creditflow.proto.core.StreamState}, {@link io.creditflow.proto.core.WindowReason},
 * and {@link io.creditflow.proto.core.Credits} (its {@code UNLIMITED}).
 * Everything else here (the flow controllers, send windows, stall timers, the write scheduler) is not API and
 * may change in any release.
 */
package io.creditflow.proto.core;
