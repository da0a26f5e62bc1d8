package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.server.Server;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void pushModeDeliversInOrder() throws Exception {
        int n = 100_000;
        AtomicLong next = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        try (Server server = Server.builder().streamHandler(stream -> {
            stream.request(Long.MAX_VALUE);
            return new StreamListener() {
                @Override
                public void onMessage(Stream s, Message m) {
                    long v = m.payload().getLong();
                    if (v != next.getAndIncrement()) {
                        errors.incrementAndGet();
                    }
                }

                @Override
                public void onHalfClose(Stream s) {
                    done.countDown();
                }
            };
        }).build().start(); Client client = Client.builder().build()) {
            Connection c = client.connect("127.0.0.1", server.port());
            Stream s = c.openStream("t");
            long t0 = System.nanoTime();
            for (long i = 0; i < n; i++) {
                byte[] b = new byte[1024];
                ByteBuffer.wrap(b).putLong(i);
                s.send(b, 10, TimeUnit.SECONDS);
            }
            s.halfClose();
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            long t1 = System.nanoTime();
            System.out.printf("%d msgs in %.1f ms = %.0f msg/s%n", n, (t1 - t0) / 1e6, n / ((t1 - t0) / 1e9));
            assertThat(next.get()).isEqualTo(n);
            assertThat(errors.get()).isZero();
        }
    }
}
