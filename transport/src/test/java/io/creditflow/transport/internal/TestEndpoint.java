package io.creditflow.transport.internal;

import io.creditflow.transport.EndpointBuilder;
import io.creditflow.transport.StreamHandler;

/** Builds EndpointSettings for handler tests. */
final class TestEndpoint extends EndpointBuilder<TestEndpoint> {
    TestEndpoint() {
        super(StreamHandler.REFUSE_ALL);
    }

    EndpointSettings build() {
        return settings();
    }
}
