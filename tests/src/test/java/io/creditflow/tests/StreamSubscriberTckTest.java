package io.creditflow.tests;

import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.flow.StreamSubscriber;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * The Reactive Streams TCK (subscriber rules, black box) against {@link StreamSubscriber}, each sending on a real
 * stream over loopback to a server that takes everything. Runs on the JUnit Platform through the TestNG engine.
 */
public class StreamSubscriberTckTest extends FlowSubscriberBlackboxVerification<byte[]> {
    private Loopback loopback;

    public StreamSubscriberTckTest() {
        super(new TestEnvironment(2000, 500));
    }

    @BeforeClass
    public void start() throws Exception {
        loopback = new Loopback(s -> {}, c -> {}, stream -> new StreamListener() {
            @Override
            public void onOpen(Stream s) {
                s.request(Long.MAX_VALUE);
            }
        });
    }

    @AfterClass
    public void stop() {
        loopback.close();
    }

    @Override
    public Flow.Subscriber<byte[]> createFlowSubscriber() {
        return new StreamSubscriber(loopback.connection.openStream(StreamOptions.defaults()));
    }

    @Override
    public byte[] createElement(int element) {
        return ByteBuffer.allocate(4).putInt(element).array();
    }
}
