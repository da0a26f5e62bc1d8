package io.creditflow.tests;

import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.flow.StreamPublisher;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * The Reactive Streams TCK (publisher rules) against {@link StreamPublisher}, on real streams over loopback: each
 * publisher is the server side of a stream whose client sends the elements, then half-closes (completion) or
 * resets (error). Runs on the JUnit Platform through the TestNG engine.
 */
public class StreamPublisherTckTest extends FlowPublisherVerification<byte[]> {
    /** Elements one publisher may emit: what the client's send queue holds without blocking. */
    static final int MAX_ELEMENTS = 512;

    private final LinkedBlockingQueue<StreamPublisher> publishers = new LinkedBlockingQueue<>();
    private Loopback loopback;

    public StreamPublisherTckTest() {
        super(new TestEnvironment(2000, 500));
    }

    @BeforeClass
    public void start() throws Exception {
        loopback = new Loopback(s -> {}, c -> {}, stream -> {
            StreamPublisher p = new StreamPublisher();
            publishers.add(p);
            return p;
        });
    }

    @AfterClass
    public void stop() {
        loopback.close();
    }

    private StreamPublisher next(Stream client) {
        try {
            StreamPublisher p = publishers.poll(10, TimeUnit.SECONDS);
            if (p == null) {
                throw new AssertionError("the server accepted no stream " + client.id() + " within 10 s");
            }
            return p;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public Flow.Publisher<byte[]> createFlowPublisher(long elements) {
        Stream out = loopback.connection.openStream(StreamOptions.builder()
                .sendQueueMessages(MAX_ELEMENTS)
                .maxPendingSends(MAX_ELEMENTS)
                .build());
        for (long i = 0; i < elements; i++) {
            out.send(ByteBuffer.allocate(8).putLong(0, i)); // async: goes out as the subscriber's demand allows
        }
        out.halfClose();
        return next(out);
    }

    @Override
    public Flow.Publisher<byte[]> createFailedFlowPublisher() {
        Stream out = loopback.connection.openStream(StreamOptions.defaults());
        StreamPublisher p = next(out);
        out.cancel("a failed publisher for the TCK");
        return p;
    }

    @Override
    public long maxElementsFromPublisher() {
        return MAX_ELEMENTS;
    }
}
