/**
 * Not API: the classes protoc generates from {@code creditflow/v1/creditflow.proto}. The public API has its own
 * types for what crosses it ({@code io.creditflow.transport.ErrorCode}); the wire enum stays behind the codec.
 */
package io.creditflow.proto.wire;
