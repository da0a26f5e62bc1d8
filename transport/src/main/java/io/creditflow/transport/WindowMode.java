package io.creditflow.transport;

/**
 * How a stream's receive window is sized (docs/protocol.md section 6.5).
 *
 * <ul>
 * <li>{@link #ENDPOINT_DEFAULT}: as the endpoint says ({@code EndpointBuilder.adaptiveWindows}).</li>
 * <li>{@link #FIXED}: always the endpoint's {@code streamWindowBytes}.</li>
 * <li>{@link #ADAPTIVE}: grown to the path's bandwidth-delay product and shrunk to the application's
 *     drain rate, between the endpoint's floor and ceiling and within the stream's budget share.</li>
 * </ul>
 */
public enum WindowMode {
    ENDPOINT_DEFAULT,
    FIXED,
    ADAPTIVE
}
