package io.creditflow.transport;

/**
 * Accepts streams that the peer opens. Called on the connection's event loop when an Open frame
 * arrives; must not block.
 */
@FunctionalInterface
public interface StreamHandler {
    /** Refuses every stream the peer opens (with REFUSED_STREAM). The default for clients. */
    StreamHandler REFUSE_ALL = stream -> null;

    /**
     * @param stream the new stream; its {@link Stream#metadata()} is what the opener sent
     * @return a listener to receive the stream in push mode, {@link StreamListener#PULL} for pull mode,
     *         or {@code null} to refuse the stream (it is reset with REFUSED_STREAM)
     * @throws StreamRejectedException to refuse it with another code and a reason (no credit is granted)
     */
    StreamListener onStream(Stream stream);
}
