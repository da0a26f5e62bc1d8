/**
 * Not API: the frame reader and writer the transport uses. Anything here may change in any release.
 */
package io.creditflow.proto.codec;
