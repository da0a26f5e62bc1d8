package io.creditflow.tests;

import io.creditflow.client.Client;
import io.creditflow.server.Server;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamHandler;
import io.creditflow.transport.StreamListener;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A server and a client on 127.0.0.1, closed together. */
final class Loopback implements AutoCloseable {
    final Server server;
    final Client client;
    final Connection connection;
    /** Streams the server accepted, in order (pull-mode unless the handler says otherwise). */
    final LinkedBlockingQueue<Stream> accepted = new LinkedBlockingQueue<>();

    Loopback(Consumer<Server.Builder> serverConfig, Consumer<Client.Builder> clientConfig, StreamHandler handler)
            throws Exception {
        Server.Builder sb = Server.builder().streamHandler(stream -> {
            StreamListener l = handler == null ? StreamListener.PULL : handler.onStream(stream);
            accepted.add(stream);
            return l;
        });
        serverConfig.accept(sb);
        this.server = sb.build().start();
        Client.Builder cb = Client.builder();
        clientConfig.accept(cb);
        this.client = cb.build();
        this.connection = client.connect("127.0.0.1", server.port());
    }

    /** Pull-mode server streams. */
    static Loopback pull(Consumer<Server.Builder> serverConfig, Consumer<Client.Builder> clientConfig)
            throws Exception {
        return new Loopback(serverConfig, clientConfig, null);
    }

    Stream nextAccepted() throws InterruptedException {
        return next(accepted);
    }

    /** The next stream a server's handler put on {@code accepted}, waiting up to 10 s. */
    static Stream next(LinkedBlockingQueue<Stream> accepted) throws InterruptedException {
        Stream s = accepted.poll(10, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("server accepted no stream within 10 s");
        }
        return s;
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
