package io.creditflow.transport.internal;

import static io.creditflow.transport.internal.Frames.blocked;
import static io.creditflow.transport.internal.Frames.bytes;
import static io.creditflow.transport.internal.Frames.credit;
import static io.creditflow.transport.internal.Frames.data;
import static io.creditflow.transport.internal.Frames.goAway;
import static io.creditflow.transport.internal.Frames.halfClose;
import static io.creditflow.transport.internal.Frames.open;
import static io.creditflow.transport.internal.Frames.ping;
import static io.creditflow.transport.internal.Frames.rawFrame;
import static io.creditflow.transport.internal.Frames.reset;
import static io.creditflow.transport.internal.Frames.revoke;
import static io.creditflow.transport.internal.Frames.revokeAck;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.proto.wire.Settings;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamHandler;
import io.creditflow.transport.StreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream.Builder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/protocol.md section 11 ("Bad input") as a table: one row per rule, each driven against a server
 * {@link ConnectionHandler} in an EmbeddedChannel, asserting the exact code and scope: connection error
 * (GoAway with the code, channel closed), stream error (Reset with the code, connection up), answered,
 * or ignored (nothing sent, connection up and still answering a Ping).
 */
@ExtendWith(LeakCheck.class)
class ConformanceTableTest {

    /** What the endpoint must do with the bad input. */
    sealed interface Expect permits Conn, StreamErr, Ignored, Answered, ClosedByPeer {}

    /** Connection error: exactly one GoAway with the code, no Reset, the channel closed. */
    record Conn(ErrorCode code) implements Expect {}

    /** Stream error: exactly one Reset of the stream with the code, no GoAway, the connection up. */
    record StreamErr(int streamId, ErrorCode code) implements Expect {}

    /** Ignored: no GoAway, no Reset, the connection up (and still answering). */
    record Ignored() implements Expect {}

    /** Answered with one frame of this type (and otherwise ignored). */
    record Answered(Frame.BodyCase type) implements Expect {}

    /** The peer's own GoAway closes the connection; this side sends no GoAway. */
    record ClosedByPeer() implements Expect {}

    /** One rule of the table. */
    static final class Row {
        final String rule;
        boolean handshake = true;
        UnaryOperator<TestEndpoint> config = e -> e;
        StreamHandler handler;
        Consumer<Harness> prepare = h -> {};
        Consumer<Harness> attack;
        Expect expect;
        /** Extra checks after the expectation (the application's view, counters). */
        Consumer<Harness> then = h -> {};

        Row(String rule) {
            this.rule = rule;
        }

        Row noHandshake() {
            handshake = false;
            return this;
        }

        Row config(UnaryOperator<TestEndpoint> c) {
            config = c;
            return this;
        }

        Row handler(StreamHandler h) {
            handler = h;
            return this;
        }

        Row prepare(Consumer<Harness> c) {
            prepare = c;
            return this;
        }

        Row attack(Consumer<Harness> c) {
            attack = c;
            return this;
        }

        Row expect(Expect e) {
            expect = e;
            return this;
        }

        Row then(Consumer<Harness> c) {
            then = c;
            return this;
        }

        @Override
        public String toString() {
            return rule + " -> " + expect;
        }
    }

    static Row row(String rule) {
        return new Row(rule);
    }

    static Consumer<Harness> send(Frame... frames) {
        return h -> {
            for (Frame f : frames) {
                h.send(f);
            }
        };
    }

    static Consumer<Harness> raw(int... bytes) {
        return h -> h.sendRaw(bytes(bytes));
    }

    static Consumer<Harness> frame(int... body) {
        return h -> h.sendRaw(rawFrame(body));
    }

    static Consumer<Harness> sendData(int id, int size) {
        return h -> h.sendRaw(data(id, new byte[size]));
    }

    static Settings.Builder goodSettings() {
        return EmbeddedPeer.settings().toBuilder();
    }

    static Consumer<Harness> handshakeWith(Settings.Builder settings) {
        return send(Frame.newBuilder()
                .setHandshake(Handshake.newBuilder()
                        .setMagic("creditflow")
                        .setProtocolVersion(1)
                        .setSettings(settings))
                .build());
    }

    static final Conn PROTOCOL = new Conn(ErrorCode.PROTOCOL_ERROR);
    static final Ignored IGNORED = new Ignored();

    /** A push listener that requests everything and throws from onMessage. */
    static final StreamHandler THROWS_ON_MESSAGE = s -> new StreamListener() {
        @Override
        public void onOpen(Stream stream) {
            stream.request(Long.MAX_VALUE);
        }

        @Override
        public void onMessage(Stream stream, Message message) {
            throw new IllegalStateException("listener failure");
        }
    };

    static java.util.stream.Stream<Row> rows() {
        Builder<Row> r = java.util.stream.Stream.builder();
        // ---- framing
        r.add(row("length prefix above our max_frame_bytes")
                .attack(h -> h.sendRaw(Unpooled.wrappedBuffer(
                        Frames.varint(h.p.handler.settings.frames().maxFrameBytes() + 1L))))
                .expect(new Conn(ErrorCode.FRAME_SIZE_ERROR)));
        r.add(row("length prefix longer than 5 bytes")
                .attack(raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x01))
                .expect(PROTOCOL));
        r.add(row("length prefix above 2^32-1")
                .attack(raw(0xFF, 0xFF, 0xFF, 0xFF, 0x1F))
                .expect(PROTOCOL));
        r.add(row("malformed data: truncated varint")
                .attack(frame(0x1A, 0x02, 0x08, 0x80))
                .expect(PROTOCOL));
        r.add(row("malformed data: length past the frame")
                .attack(frame(0x1A, 0x03, 0x12, 0x05, 0x41))
                .expect(PROTOCOL));
        r.add(row("malformed data: wire type 3").attack(frame(0x1A, 0x01, 0x0B)).expect(PROTOCOL));
        r.add(row("malformed data: wire type 4").attack(frame(0x1A, 0x01, 0x0C)).expect(PROTOCOL));
        r.add(row("malformed data: wire type 6").attack(frame(0x1A, 0x01, 0x0E)).expect(PROTOCOL));
        r.add(row("malformed data: wire type 7").attack(frame(0x1A, 0x01, 0x0F)).expect(PROTOCOL));
        r.add(row("malformed data: field number 0")
                .attack(frame(0x1A, 0x02, 0x00, 0x00))
                .expect(PROTOCOL));
        r.add(row("body protobuf cannot parse").attack(frame(0x22, 0x05, 0x01)).expect(PROTOCOL));
        // ---- handshake
        r.add(row("Data before the handshake")
                .noHandshake()
                .attack(sendData(1, 1))
                .expect(PROTOCOL));
        r.add(row("Open before the handshake")
                .noHandshake()
                .attack(send(open(1)))
                .expect(PROTOCOL));
        r.add(row("empty frame before the handshake")
                .noHandshake()
                .attack(raw(0x00))
                .expect(PROTOCOL));
        r.add(row("Ping before the handshake")
                .noHandshake()
                .attack(send(ping(1)))
                .expect(PROTOCOL));
        r.add(row("Credit before the handshake")
                .noHandshake()
                .attack(send(credit(0, 1, 0)))
                .expect(PROTOCOL));
        // A GoAway is accepted as the first frame so that a refusal (credential, version, settings) can be read.
        r.add(row("GoAway before the handshake: accepted, the connection closes")
                .noHandshake()
                .attack(send(goAway(0, ErrorCode.AUTHENTICATION_FAILED)))
                .expect(new ClosedByPeer()));
        r.add(row("no Handshake within the handshake timeout")
                .noHandshake()
                .config(e -> e.handshakeTimeout(Duration.ofSeconds(2)))
                .attack(h -> h.advance(Duration.ofMillis(2001)))
                .expect(new Conn(ErrorCode.HANDSHAKE_TIMEOUT)));
        r.add(row("second Handshake").attack(h -> h.p.handshake()).expect(PROTOCOL));
        // The first body byte must be the Handshake (or GoAway) tag: foreign protocols are refused at once,
        // not after the handshake timeout, even when they send less than their first byte seems to announce.
        r.add(row("an HTTP request shorter than the frame its first byte announces")
                .noHandshake()
                .attack(h -> h.sendRaw(Unpooled.wrappedBuffer(
                        "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))))
                .expect(PROTOCOL)
                .then(h -> assertThat(h.p.connection
                                .closeFuture()
                                .toCompletableFuture()
                                .join()
                                .reason())
                        .contains("not a creditflow peer")
                        .contains("HTTP")));
        r.add(row("a TLS ClientHello on a plain-TCP endpoint")
                .noHandshake()
                .attack(raw(0x16, 0x03, 0x01, 0x00, 0xF4, 0x01))
                .expect(PROTOCOL)
                .then(h -> assertThat(h.p.connection
                                .closeFuture()
                                .toCompletableFuture()
                                .join()
                                .reason())
                        .contains("TLS")));
        r.add(row("a first frame whose prefix arrives alone is judged by its first body byte")
                .noHandshake()
                .attack(raw(0x47).andThen(raw(0x45)))
                .expect(PROTOCOL));
        r.add(row("credential above 4096 bytes")
                .noHandshake()
                .attack(send(Frame.newBuilder()
                        .setHandshake(Handshake.newBuilder()
                                .setMagic("creditflow")
                                .setProtocolVersion(1)
                                .setSettings(goodSettings())
                                .setCredential(com.google.protobuf.ByteString.copyFrom(new byte[4097])))
                        .build()))
                .expect(new Conn(ErrorCode.AUTHENTICATION_FAILED))
                .then(h -> assertThat(h.p.connection
                                .closeFuture()
                                .toCompletableFuture()
                                .join()
                                .reason())
                        .contains("4097 bytes exceeds the limit of 4096")));
        r.add(row("credential of exactly 4096 bytes is accepted")
                .noHandshake()
                .attack(send(Frame.newBuilder()
                        .setHandshake(Handshake.newBuilder()
                                .setMagic("creditflow")
                                .setProtocolVersion(1)
                                .setSettings(goodSettings())
                                .setCredential(com.google.protobuf.ByteString.copyFrom(new byte[4096])))
                        .build()))
                .expect(new Answered(Frame.BodyCase.HANDSHAKE)));
        r.add(row("magic is not creditflow")
                .noHandshake()
                .attack(send(Frame.newBuilder()
                        .setHandshake(Handshake.newBuilder()
                                .setMagic("http/1.1")
                                .setProtocolVersion(1)
                                .setSettings(goodSettings()))
                        .build()))
                .expect(PROTOCOL));
        r.add(row("protocol_version is not 1")
                .noHandshake()
                .attack(send(Frame.newBuilder()
                        .setHandshake(Handshake.newBuilder()
                                .setMagic("creditflow")
                                .setProtocolVersion(2)
                                .setSettings(goodSettings()))
                        .build()))
                .expect(new Conn(ErrorCode.UNSUPPORTED_VERSION)));
        r.add(row("bad settings: max_message_bytes 0")
                .noHandshake()
                .attack(handshakeWith(goodSettings().setMaxMessageBytes(0)))
                .expect(PROTOCOL));
        r.add(row("bad settings: max_message_bytes above 64 MiB")
                .noHandshake()
                .attack(handshakeWith(goodSettings()
                        .setMaxMessageBytes((64 << 20) + 1)
                        .setMaxFrameBytes(-1)
                        .setInitialConnectionWindowBytes(1L << 40)))
                .expect(PROTOCOL));
        r.add(row("bad settings: max_frame_bytes below max_message_bytes + 23")
                .noHandshake()
                .attack(handshakeWith(goodSettings().setMaxMessageBytes(1000).setMaxFrameBytes(1022)))
                .expect(PROTOCOL));
        r.add(row("bad settings: initial_connection_window_bytes below max_message_bytes")
                .noHandshake()
                .attack(handshakeWith(goodSettings().setMaxMessageBytes(1000).setInitialConnectionWindowBytes(999)))
                .expect(PROTOCOL));
        r.add(row("bad settings: max_metadata_bytes 0")
                .noHandshake()
                .attack(handshakeWith(goodSettings().setMaxMetadataBytes(0)))
                .expect(PROTOCOL));
        r.add(row("settings at the edge are accepted: max_frame_bytes = max_message_bytes + 23")
                .noHandshake()
                .attack(handshakeWith(goodSettings()
                        .setMaxMessageBytes(1000)
                        .setMaxFrameBytes(1023)
                        .setInitialConnectionWindowBytes(1000)))
                .expect(new Answered(Frame.BodyCase.HANDSHAKE)));
        // ---- Open
        r.add(row("Open with id 0").attack(send(open(0))).expect(PROTOCOL));
        r.add(row("Open with id >= 2^31").attack(send(open(0x80000001))).expect(PROTOCOL));
        r.add(row("Open with the wrong parity (ours)").attack(send(open(2))).expect(PROTOCOL));
        r.add(row("Open reusing an id")
                .prepare(send(open(1)))
                .attack(send(open(1)))
                .expect(PROTOCOL));
        r.add(row("Open with a decreasing id")
                .prepare(send(open(5)))
                .attack(send(open(3)))
                .expect(PROTOCOL));
        r.add(row("Open after we sent GoAway")
                .prepare(send(open(1)).andThen(h -> h.p.connection.shutdown(Duration.ofSeconds(30))))
                .attack(send(open(3)))
                .expect(new StreamErr(3, ErrorCode.REFUSED_STREAM))
                .then(h -> assertThat(h.accepted).hasSize(1)));
        r.add(row("Open beyond max_concurrent_streams")
                .config(e -> e.maxConcurrentStreams(2))
                .prepare(send(open(1), open(3)))
                .attack(send(open(5)))
                .expect(new StreamErr(5, ErrorCode.REFUSED_STREAM))
                .then(h -> assertThat(h.accepted).hasSize(2)));
        r.add(row("Open with more than max_metadata_entries")
                .config(e -> e.maxMetadataEntries(2))
                .attack(send(open(1, "a", "1", "b", "2", "c", "3")))
                .expect(new StreamErr(1, ErrorCode.PROTOCOL_ERROR))
                .then(h -> assertThat(h.accepted).isEmpty()));
        r.add(row("Open with more than max_metadata_bytes")
                .config(e -> e.maxMetadataBytes(10))
                .attack(send(open(1, "k", "0123456789")))
                .expect(new StreamErr(1, ErrorCode.PROTOCOL_ERROR))
                .then(h -> assertThat(h.accepted).isEmpty()));
        r.add(row("Open with metadata exactly at max_metadata_bytes is accepted")
                .config(e -> e.maxMetadataBytes(10))
                .attack(send(open(1, "k", "012345678")))
                .expect(new Answered(Frame.BodyCase.CREDIT))
                .then(h -> assertThat(h.accepted).hasSize(1)));
        r.add(row("stream handler throws")
                .handler(s -> {
                    throw new IllegalStateException("handler failure");
                })
                .attack(send(open(1)))
                .expect(new StreamErr(1, ErrorCode.APPLICATION_ERROR)));
        r.add(row("stream handler returns null")
                .handler(s -> null)
                .attack(send(open(1)))
                .expect(new StreamErr(1, ErrorCode.REFUSED_STREAM)));
        r.add(row("listener onOpen throws")
                .handler(s -> new StreamListener() {
                    @Override
                    public void onOpen(Stream stream) {
                        throw new IllegalStateException("onOpen failure");
                    }
                })
                .attack(send(open(1)))
                .expect(new StreamErr(1, ErrorCode.APPLICATION_ERROR))
                .then(h -> assertThat(h.p.connection.stats().openStreams()).isZero()));
        r.add(row("stream handler throws StreamRejectedException: its code")
                .handler(s -> {
                    throw new io.creditflow.transport.StreamRejectedException(
                            io.creditflow.transport.ErrorCode.PERMISSION_DENIED, "not yours");
                })
                .attack(send(open(1)))
                .expect(new StreamErr(1, ErrorCode.PERMISSION_DENIED)));
        r.add(row("listener onOpen throws StreamRejectedException: its code")
                .handler(s -> new StreamListener() {
                    @Override
                    public void onOpen(Stream stream) {
                        throw new io.creditflow.transport.StreamRejectedException(
                                io.creditflow.transport.ErrorCode.INVALID_ARGUMENT, "conflict");
                    }
                })
                .attack(send(open(1)))
                .expect(new StreamErr(1, ErrorCode.INVALID_ARGUMENT))
                .then(h -> assertThat(h.p.connection.stats().openStreams()).isZero()));
        // ---- Data
        r.add(row("Data on an idle stream (peer parity)")
                .attack(sendData(5, 10))
                .expect(PROTOCOL));
        r.add(row("Data on an idle stream (our parity)").attack(sendData(2, 10)).expect(PROTOCOL));
        r.add(row("Data on stream 0").attack(sendData(0, 10)).expect(PROTOCOL));
        r.add(row("Data on stream id >= 2^31").attack(sendData(0x80000001, 10)).expect(PROTOCOL));
        r.add(row("Data on a closed stream: discarded, connection credit returned at once")
                .prepare(send(open(1), reset(1, ErrorCode.CANCEL)))
                .attack(sendData(1, 100))
                .expect(new Answered(Frame.BodyCase.CREDIT)));
        r.add(row("Data on a skipped (closed) id is discarded")
                .prepare(send(open(7)))
                .attack(sendData(3, 100))
                .expect(new Answered(Frame.BodyCase.CREDIT)));
        r.add(row("Data beyond the connection credit")
                .config(e ->
                        e.connectionWindowBytes(8192).streamWindowBytes(4096).maxMessageBytes(4096))
                .prepare(send(open(1), open(3)).andThen(sendData(1, 4096)).andThen(sendData(3, 4096)))
                .attack(sendData(1, 1))
                .expect(new Conn(ErrorCode.FLOW_CONTROL_ERROR)));
        r.add(row("Data beyond the stream's byte credit")
                .config(e -> e.streamWindowBytes(4096).maxMessageBytes(4096))
                .prepare(send(open(1)).andThen(sendData(1, 4000)))
                .attack(sendData(1, 97))
                .expect(new Conn(ErrorCode.FLOW_CONTROL_ERROR))
                .then(h -> assertThat(h.accepted
                                .get(0)
                                .closeFuture()
                                .toCompletableFuture()
                                .join()
                                .code())
                        .isEqualTo(io.creditflow.transport.ErrorCode.FLOW_CONTROL_ERROR)));
        r.add(row("Data beyond the stream's message credit (push stream, nothing requested)")
                .handler(s -> new StreamListener() {})
                .prepare(send(open(1)))
                .attack(sendData(1, 1))
                .expect(new Conn(ErrorCode.FLOW_CONTROL_ERROR)));
        r.add(row("Data after the peer's HalfClose")
                .prepare(send(open(1), halfClose(1)))
                .attack(sendData(1, 10))
                .expect(new StreamErr(1, ErrorCode.STREAM_CLOSED))
                .then(h -> assertThat(h.accepted
                                .get(0)
                                .closeFuture()
                                .toCompletableFuture()
                                .join()
                                .code())
                        .isEqualTo(io.creditflow.transport.ErrorCode.STREAM_CLOSED)));
        r.add(row("Data with a payload above max_message_bytes (on an idle stream: checked first)")
                .config(e -> e.maxMessageBytes(1000))
                .attack(sendData(99, 1001))
                .expect(new Conn(ErrorCode.MESSAGE_TOO_LARGE)));
        r.add(row("Data with a payload above max_message_bytes (open stream)")
                .config(e -> e.maxMessageBytes(1000))
                .prepare(send(open(1)))
                .attack(sendData(1, 1001))
                .expect(new Conn(ErrorCode.MESSAGE_TOO_LARGE)));
        r.add(row("listener onMessage throws")
                .handler(THROWS_ON_MESSAGE)
                .prepare(send(open(1)))
                .attack(sendData(1, 10))
                .expect(new StreamErr(1, ErrorCode.APPLICATION_ERROR)));
        // ---- Credit
        r.add(row("Credit of zero (open stream)")
                .prepare(send(open(1)))
                .attack(send(credit(1, 0, 0)))
                .expect(PROTOCOL));
        r.add(row("Credit of zero (closed stream)")
                .prepare(send(open(1), reset(1, ErrorCode.CANCEL)))
                .attack(send(credit(1, 0, 0)))
                .expect(PROTOCOL));
        r.add(row("Credit of zero (connection)").attack(send(credit(0, 0, 0))).expect(PROTOCOL));
        r.add(row("Credit on stream 0 with messages")
                .attack(send(credit(0, 10, 1)))
                .expect(PROTOCOL));
        r.add(row("Credit on an idle stream").attack(send(credit(3, 10, 1))).expect(PROTOCOL));
        r.add(row("Credit on stream id >= 2^31")
                .attack(send(credit(0x80000003, 10, 1)))
                .expect(PROTOCOL));
        r.add(row("Credit on a closed stream is ignored")
                .prepare(send(open(1), reset(1, ErrorCode.CANCEL)))
                .attack(send(credit(1, 10, 1)))
                .expect(IGNORED));
        r.add(row("Credit that overflows saturates")
                .prepare(send(open(1)))
                .attack(send(
                        credit(1, -1L, -1L),
                        credit(1, Long.MAX_VALUE, Long.MAX_VALUE),
                        credit(0, -1L, 0),
                        credit(0, Long.MAX_VALUE, 0)))
                .expect(IGNORED)
                .then(h -> {
                    assertThat(h.accepted.get(0).stats().sendCreditBytes()).isEqualTo(Long.MAX_VALUE);
                    assertThat(h.accepted.get(0).stats().sendCreditMessages()).isEqualTo(Long.MAX_VALUE);
                    assertThat(h.p.connection.stats().sendCreditBytes()).isEqualTo(Long.MAX_VALUE);
                }));
        // ---- HalfClose
        r.add(row("HalfClose on an idle stream").attack(send(halfClose(3))).expect(PROTOCOL));
        r.add(row("HalfClose on stream 0").attack(send(halfClose(0))).expect(PROTOCOL));
        r.add(row("HalfClose on a closed stream is ignored")
                .prepare(send(open(1), reset(1, ErrorCode.CANCEL)))
                .attack(send(halfClose(1)))
                .expect(IGNORED));
        r.add(row("second HalfClose")
                .prepare(send(open(1), halfClose(1)))
                .attack(send(halfClose(1)))
                .expect(new StreamErr(1, ErrorCode.STREAM_CLOSED)));
        // ---- Reset
        r.add(row("Reset on an idle stream")
                .attack(send(reset(3, ErrorCode.CANCEL)))
                .expect(PROTOCOL));
        r.add(row("Reset on stream 0").attack(send(reset(0, ErrorCode.CANCEL))).expect(PROTOCOL));
        r.add(row("Reset on a closed stream is ignored")
                .prepare(send(open(1), reset(1, ErrorCode.CANCEL)))
                .attack(send(reset(1, ErrorCode.CANCEL)))
                .expect(IGNORED));
        r.add(row("Reset is not answered; the stream ends with the peer's code")
                .prepare(send(open(1)))
                .attack(send(reset(1, ErrorCode.SLOW_CONSUMER)))
                .expect(IGNORED)
                .then(h -> {
                    CloseStatus s = h.accepted
                            .get(0)
                            .closeFuture()
                            .toCompletableFuture()
                            .join();
                    assertThat(s.code()).isEqualTo(io.creditflow.transport.ErrorCode.SLOW_CONSUMER);
                    assertThat(s.remote()).isTrue();
                }));
        // ---- Revoke
        r.add(row("Revoke on an idle stream").attack(send(revoke(3, 0))).expect(PROTOCOL));
        r.add(row("Revoke on stream 0").attack(send(revoke(0, 0))).expect(PROTOCOL));
        r.add(row("Revoke on a closed stream is answered with RevokeAck(0)")
                .prepare(send(open(1), reset(1, ErrorCode.CANCEL)))
                .attack(send(revoke(1, 0)))
                .expect(new Answered(Frame.BodyCase.REVOKE_ACK)));
        r.add(row("Revoke on a stream we half-closed is answered with RevokeAck(0)")
                .prepare(send(open(1), credit(1, 100, 1)).andThen(h -> {
                    h.accepted.get(0).halfClose();
                    h.read();
                }))
                .attack(send(revoke(1, 0)))
                .expect(new Answered(Frame.BodyCase.REVOKE_ACK)));
        // ---- RevokeAck
        r.add(row("RevokeAck on an idle stream").attack(send(revokeAck(3, 0))).expect(PROTOCOL));
        r.add(row("RevokeAck on stream 0").attack(send(revokeAck(0, 0))).expect(PROTOCOL));
        r.add(row("RevokeAck on a closed stream is ignored")
                .prepare(send(open(1), reset(1, ErrorCode.CANCEL)))
                .attack(send(revokeAck(1, 0)))
                .expect(IGNORED));
        r.add(row("RevokeAck without an outstanding Revoke")
                .prepare(send(open(1)))
                .attack(send(revokeAck(1, 0)))
                .expect(PROTOCOL));
        r.add(row("RevokeAck returning more than the stream's window")
                .config(ConformanceTableTest::pressure)
                .prepare(ConformanceTableTest::revokeOutstandingOnStream1)
                .attack(h -> h.send(revokeAck(1, 32 * 1024 + 1)))
                .expect(new Conn(ErrorCode.FLOW_CONTROL_ERROR)));
        r.add(row("RevokeAck returning exactly the window is accepted")
                .config(ConformanceTableTest::pressure)
                .prepare(ConformanceTableTest::revokeOutstandingOnStream1)
                .attack(h -> h.send(revokeAck(1, 32 * 1024)))
                .expect(IGNORED));
        // ---- Blocked
        r.add(row("Blocked above our max_message_bytes (open stream)")
                .config(e -> e.maxMessageBytes(1000))
                .prepare(send(open(1)))
                .attack(send(blocked(1, 1001)))
                .expect(PROTOCOL));
        r.add(row("Blocked above our max_message_bytes (idle stream: checked first)")
                .config(e -> e.maxMessageBytes(1000))
                .attack(send(blocked(9, 1001)))
                .expect(PROTOCOL));
        r.add(row("Blocked on an idle stream").attack(send(blocked(3, 10))).expect(PROTOCOL));
        r.add(row("Blocked on stream 0").attack(send(blocked(0, 10))).expect(PROTOCOL));
        r.add(row("Blocked on a closed stream is ignored")
                .prepare(send(open(1), reset(1, ErrorCode.CANCEL)))
                .attack(send(blocked(1, 10)))
                .expect(IGNORED));
        r.add(row("Blocked on a stream the peer half-closed is ignored")
                .prepare(send(open(1), halfClose(1)))
                .attack(send(blocked(1, 10)))
                .expect(IGNORED));
        // ---- GoAway, Ping, Pong, unknown
        r.add(row("GoAway with an error code closes without our own GoAway")
                .prepare(send(open(1)))
                .attack(send(goAway(0, ErrorCode.INTERNAL_ERROR)))
                .expect(new ClosedByPeer())
                .then(h -> assertThat(h.accepted
                                .get(0)
                                .closeFuture()
                                .toCompletableFuture()
                                .join()
                                .code())
                        .isEqualTo(io.creditflow.transport.ErrorCode.INTERNAL_ERROR)));
        r.add(row("Ping is answered with Pong").attack(send(ping(42))).expect(new Answered(Frame.BodyCase.PONG)));
        r.add(row("Pong is ignored")
                .attack(send(Frame.newBuilder()
                        .setPong(io.creditflow.proto.wire.Pong.newBuilder().setPayload(7))
                        .build()))
                .expect(IGNORED));
        r.add(row("empty frame is ignored").attack(raw(0x00)).expect(IGNORED));
        r.add(row("unknown frame type is ignored").attack(frame(0x78, 0x01)).expect(IGNORED));
        r.add(row("unknown frame type with a length-delimited body is ignored")
                .attack(frame(0x82, 0x01, 0x03, 0x01, 0x02, 0x03))
                .expect(IGNORED));
        // ---- ordering
        r.add(row("frames after a connection error in the same read are discarded")
                .attack(h -> {
                    ByteBuf both = Unpooled.buffer();
                    both.writeBytes(rawFrame(0x22, 0x00)); // Credit{} of zero: connection error
                    ByteBuf open = io.creditflow.proto.codec.FrameWriter.encode(
                            io.netty.buffer.ByteBufAllocator.DEFAULT, open(1));
                    both.writeBytes(open);
                    open.release();
                    h.sendRaw(both);
                })
                .expect(PROTOCOL)
                .then(h -> assertThat(h.accepted).isEmpty()));
        return r.build();
    }

    /** Memory pressure: a 64 KiB budget, 32 KiB stream windows, revoke as soon as idle. */
    static TestEndpoint pressure(TestEndpoint e) {
        return e.memoryBudgetBytes(64 * 1024)
                .connectionWindowBytes(64 * 1024)
                .streamWindowBytes(32 * 1024)
                .maxMessageBytes(32 * 1024)
                .minGrantBytes(16 * 1024)
                .revokeIdle(Duration.ZERO);
    }

    /** Streams 1 and 3 take the whole budget, stream 5 starves, a tick revokes stream 1's idle credit. */
    static void revokeOutstandingOnStream1(Harness h) {
        h.send(open(1));
        h.send(open(3));
        h.send(open(5));
        List<Frame> opened = h.read();
        h.advanceInTicks(Duration.ofMillis(100)); // the first tick starts the idle clock, the second revokes
        List<Frame> ticked = h.read();
        List<Frame> revokes = Frames.ofType(ticked, Frame.BodyCase.REVOKE);
        assertThat(revokes)
                .as("after opens: %s; after a tick: %s", opened, ticked)
                .extracting(f -> f.getRevoke().getStreamId())
                .contains(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void badInputGetsItsCodeAndScope(Row row) {
        try (Harness h = new Harness(row.config.apply(new TestEndpoint()), row.handler, false)) {
            if (row.handshake) {
                h.handshake();
            }
            row.prepare.accept(h);
            List<Frame> before = h.read();
            assertThat(Frames.ofType(before, Frame.BodyCase.GO_AWAY))
                    .as("no error GoAway before the bad input")
                    .allMatch(f -> f.getGoAway().getCode() == ErrorCode.NO_ERROR);
            row.attack.accept(h);
            List<Frame> out = h.read();
            List<Frame> resets = Frames.ofType(out, Frame.BodyCase.RESET);
            ErrorCode goAway = Harness.goAwayCode(out);
            Expect expect = row.expect;
            if (expect instanceof Conn c) {
                assertThat(goAway).as("GoAway code").isEqualTo(c.code());
                assertThat(resets).as("no Reset for a connection error").isEmpty();
                assertThat(h.active()).as("connection closed").isFalse();
                assertThat(out.get(out.size() - 1).getBodyCase())
                        .as("GoAway is the last frame")
                        .isEqualTo(Frame.BodyCase.GO_AWAY);
            } else if (expect instanceof StreamErr s) {
                assertThat(goAway).as("no GoAway for a stream error").isNull();
                assertThat(resets).as("one Reset").hasSize(1);
                assertThat(resets.get(0).getReset().getStreamId()).isEqualTo(s.streamId());
                assertThat(resets.get(0).getReset().getCode()).isEqualTo(s.code());
                assertStillAnswering(h);
            } else if (expect instanceof Ignored) {
                assertThat(goAway).as("no GoAway").isNull();
                assertThat(resets).as("no Reset").isEmpty();
                assertStillAnswering(h);
            } else if (expect instanceof Answered a) {
                assertThat(goAway).as("no GoAway").isNull();
                assertThat(resets).as("no Reset").isEmpty();
                List<Frame> answers = Frames.ofType(out, a.type());
                assertThat(answers).as("answered with " + a.type()).hasSize(1);
                Frame answer = answers.get(0);
                if (a.type() == Frame.BodyCase.REVOKE_ACK) {
                    assertThat(answer.getRevokeAck().getReturnedBytes()).isZero();
                } else if (a.type() == Frame.BodyCase.PONG) {
                    assertThat(answer.getPong().getPayload()).isEqualTo(42);
                } else if (a.type() == Frame.BodyCase.CREDIT && row.rule.startsWith("Data")) {
                    assertThat(answer.getCredit().getStreamId())
                            .as("connection credit")
                            .isZero();
                    assertThat(answer.getCredit().getBytes())
                            .as("returned at once")
                            .isEqualTo(100);
                }
                if (a.type() != Frame.BodyCase.HANDSHAKE) {
                    assertStillAnswering(h);
                }
            } else if (expect instanceof ClosedByPeer) {
                assertThat(goAway).as("no GoAway of our own").isNull();
                assertThat(h.active()).as("connection closed").isFalse();
            } else {
                throw new AssertionError("row without expectation: " + row);
            }
            row.then.accept(h);
        }
    }

    /** The connection is up and still processes input: a Ping (spaced beyond the strike interval) is answered. */
    static void assertStillAnswering(Harness h) {
        assertThat(h.active()).as("connection still up").isTrue();
        h.advance(Duration.ofSeconds(2));
        h.read();
        h.send(ping(99));
        List<Frame> pongs = Frames.ofType(h.read(), Frame.BodyCase.PONG);
        assertThat(pongs).as("still answering").hasSize(1);
        assertThat(pongs.get(0).getPong().getPayload()).isEqualTo(99);
    }
}
