package io.creditflow.bench.kafka;

import io.creditflow.broker.BrokerProducer;
import io.creditflow.broker.BrokerProtocol;
import io.creditflow.client.Client;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * creditflow's clients: a {@link BrokerProducer} with acknowledgements ({@code acks=durable}) and a producer id
 * (idempotent), and two consumer streams of policy {@code log} from {@code earliest}, each client with its own
 * connection and one I/O thread. Stream windows are the defaults.
 */
final class CfWorkload extends Workload {
    private final String host;
    private final int port;
    private Client producerClient;
    private Client fastClient;
    private Client slowClient;
    private BrokerProducer producer;
    private Stream fastStream;
    private Stream slowStream;
    private volatile long sent;

    CfWorkload(String host, int port, int size, double slowRate, double producerRate) {
        super(size, slowRate, producerRate);
        this.host = host;
        this.port = port;
    }

    @Override
    void open() throws Exception {
        producerClient = Client.builder().ioThreads(1).build();
        fastClient = Client.builder().ioThreads(1).build();
        slowClient = Client.builder().ioThreads(1).build();
        producer = BrokerProducer.open(producerClient.connect(host, port), TOPIC, "bench-producer", 0);
        fastStream = subscribe(fastClient, "fast");
        slowStream = subscribe(slowClient, "slow");
    }

    private Stream subscribe(Client client, String name) throws Exception {
        return client.connect(host, port)
                .openStream(StreamOptions.builder()
                        .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                        .metadata(BrokerProtocol.TOPIC, TOPIC)
                        .metadata(BrokerProtocol.SUBSCRIPTION, name)
                        .metadata(BrokerProtocol.POLICY, "log")
                        .metadata(BrokerProtocol.FROM, "earliest")
                        .build());
    }

    @Override
    long acknowledged() {
        return producer.acknowledgedSequence() + 1;
    }

    @Override
    long sent() {
        return sent;
    }

    @Override
    void produce() throws Exception {
        long n = 0;
        while (producing) {
            paceProducer();
            byte[] payload = new byte[size];
            ByteBuffer.wrap(payload).putLong(n);
            try {
                producer.send(ByteBuffer.wrap(payload), 100, TimeUnit.MILLISECONDS);
                sent = ++n;
            } catch (TimeoutException e) {
                // no credit for 100 ms: the broker holds the producer; try again
            }
        }
        producer.close();
        producer.awaitAcknowledged(n - 1, 30, TimeUnit.SECONDS);
    }

    @Override
    void consume(boolean slowOne) throws Exception {
        Stream s = slowOne ? slowStream : fastStream;
        while (!stop) {
            pace(slowOne);
            try (Message m = s.poll(100, TimeUnit.MILLISECONDS)) {
                if (m != null) {
                    delivered(slowOne, BrokerProtocol.payload(m.payload()).getLong());
                }
            } catch (StreamClosedException e) {
                if (!stop) {
                    throw e;
                }
                return;
            }
        }
    }

    @Override
    Map<String, Object> figures() {
        Map<String, Object> m = super.figures();
        m.put(
                "client",
                "creditflow BrokerProducer acks=durable producer=bench-producer; consumers policy=log "
                        + "from=earliest; default stream windows");
        return m;
    }

    @Override
    public void close() {
        for (Client c : new Client[] {producerClient, fastClient, slowClient}) {
            if (c != null) {
                c.close();
            }
        }
    }
}
