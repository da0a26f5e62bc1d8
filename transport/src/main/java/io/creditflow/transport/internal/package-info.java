/**
 * Not API: the Netty glue of the transport (the connection handler and its parts, the stream's loop half,
 * the send and receive queues, bootstrap helpers for {@code creditflow-client} and {@code creditflow-server}).
 * Anything here may change or disappear in any release. Its classes are {@code public} only because the client
 * and server artifacts bootstrap through them; embedders use {@code io.creditflow.transport},
 * {@code io.creditflow.transport.flow}, {@code io.creditflow.client} and {@code io.creditflow.server}.
 * {@code PublicApiOnlyTest} (broker module) fails the build if
 * the broker, the CLI or {@code examples/embedded} import it.
 */
package io.creditflow.transport.internal;
