package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class LatencyRelayTest {
    @Test
    void forwardsBothWaysInOrderHalfARoundTripLaterEachWay() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                LatencyRelay relay = new LatencyRelay(target.getLocalPort(), 40);
                Socket client = new Socket("127.0.0.1", relay.port())) {
            client.setSoTimeout(10_000);
            target.setSoTimeout(10_000);
            try (Socket server = target.accept()) {
                server.setSoTimeout(10_000);
                OutputStream out = client.getOutputStream();
                InputStream in = server.getInputStream();
                long start = System.nanoTime();
                for (int i = 0; i < 100; i++) {
                    out.write(i);
                }
                out.flush();
                for (int i = 0; i < 100; i++) {
                    assertThat(in.read()).isEqualTo(i);
                }
                long oneWay = System.nanoTime() - start;
                server.getOutputStream().write(7);
                assertThat(client.getInputStream().read()).isEqualTo(7);
                long roundTrip = System.nanoTime() - start;
                assertThat(oneWay)
                        .as("no byte arrives before half the round trip")
                        .isGreaterThanOrEqualTo(20_000_000L);
                assertThat(roundTrip).isGreaterThanOrEqualTo(40_000_000L);
            }
        }
    }
}
