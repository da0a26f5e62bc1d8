/**
 * The public stream API: {@link io.creditflow.transport.Connection}, {@link io.creditflow.transport.Stream},
 * their listeners and options, the overflow policies and results, {@link io.creditflow.transport.ErrorCode}
 * and {@link io.creditflow.transport.CloseStatus}, and the stats snapshots. Together with
 * {@code io.creditflow.transport.flow}, {@code io.creditflow.client}, {@code io.creditflow.server} and the
 * listed types of {@code io.creditflow.proto.core}, this is everything an embedder compiles against;
 * {@code io.creditflow.transport.internal}, {@code io.creditflow.proto.codec} and
 * {@code io.creditflow.proto.wire} are not API.
 */
package io.creditflow.transport;
