package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.core.NanoClock;
import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.wire.Credit;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.HalfClose;
import io.creditflow.proto.wire.Open;
import io.creditflow.proto.wire.Revoke;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.Message;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Netty glue, driven frame by frame in an EmbeddedChannel with injected time. No sockets. */
@ExtendWith(LeakCheck.class)
class ConnectionHandlerTest {
    /** Test time for stall accounting; the EmbeddedChannel's frozen scheduler is moved alongside. */
    final long[] now = {1_000_000_000L};

    final NanoClock clock = () -> now[0];
    final List<Stream> accepted = new ArrayList<>();
    EmbeddedPeer peer;

    EmbeddedPeer server(TestEndpoint endpoint) {
        peer = new EmbeddedPeer(
                endpoint.clock(clock)
                        .streamHandler(s -> {
                            accepted.add(s);
                            return StreamListener.PULL;
                        })
                        .build(),
                false);
        return peer;
    }

    void advance(Duration d) {
        now[0] += d.toNanos();
        peer.channel.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        peer.channel.runScheduledPendingTasks();
    }

    @AfterEach
    void tearDown() {
        if (peer != null) {
            peer.close();
        }
    }

    @Test
    void theServerAnswersTheClientsHandshakeAndAcceptsStreamsOnlyAfterIt() {
        EmbeddedPeer p = server(new TestEndpoint().streamWindowBytes(4096).maxMessageBytes(4096));
        assertThat(p.read())
                .as("a server speaks only after the client's handshake")
                .isEmpty();
        p.handshake();
        List<Frame> first = p.read();
        assertThat(first).hasSize(1);
        assertThat(first.get(0).getHandshake().getMagic()).isEqualTo("creditflow");
        assertThat(first.get(0).getHandshake().getSettings().getInitialStreamWindowBytes())
                .isEqualTo(4096);
        p.send(Frame.newBuilder()
                .setOpen(Open.newBuilder().setStreamId(1).putMetadata("topic", "a"))
                .build());
        assertThat(accepted).hasSize(1);
        assertThat(accepted.get(0).metadata()).containsEntry("topic", "a");
        List<Frame> credits = p.read(Frame.BodyCase.CREDIT);
        assertThat(credits).extracting(f -> f.getCredit().getBytes()).containsExactly(4096L);
    }

    @Test
    void handshakeTimeoutClosesWithItsOwnCode() {
        EmbeddedPeer p = server(new TestEndpoint().handshakeTimeout(Duration.ofSeconds(3)));
        p.read();
        advance(Duration.ofSeconds(2));
        assertThat(p.channel.isActive()).isTrue();
        advance(Duration.ofSeconds(2));
        List<Frame> goAway = p.read(Frame.BodyCase.GO_AWAY);
        assertThat(goAway).hasSize(1);
        assertThat(goAway.get(0).getGoAway().getCode()).isEqualTo(ErrorCode.HANDSHAKE_TIMEOUT);
        assertThat(p.channel.isActive()).isFalse();
    }

    @Test
    void autoReadPausesAboveTheReadHighWatermarkAndResumesBelowTheLow() throws Exception {
        EmbeddedPeer p = server(new TestEndpoint().streamWindowBytes(64 * 1024).readWatermarks(2000, 4000));
        p.handshake();
        p.send(Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build());
        for (int i = 0; i < 4; i++) {
            p.sendData(1, 1000);
        }
        assertThat(p.channel.config().isAutoRead())
                .as("4 x (1000 + header) > 4000")
                .isFalse();
        assertThat(p.connection.stats().autoReadPaused()).isTrue();
        Stream s = accepted.get(0);
        advance(Duration.ofMillis(300));
        for (int i = 0; i < 2; i++) {
            try (Message m = s.poll(0, TimeUnit.SECONDS)) {
                assertThat(m.size()).isEqualTo(1000);
            }
        }
        p.read();
        assertThat(p.channel.config().isAutoRead())
                .as("still above the low watermark")
                .isFalse();
        try (Message m = s.poll(0, TimeUnit.SECONDS)) {
            assertThat(m).isNotNull();
        }
        p.read();
        assertThat(p.channel.config().isAutoRead()).isTrue();
        assertThat(p.connection.stats().stalledNanos(StallReason.APPLICATION_NOT_READING))
                .isEqualTo(Duration.ofMillis(300).toNanos());
    }

    @Test
    void writesWaitForWritabilityAndFlushOncePerBatch() {
        EmbeddedPeer p = server(new TestEndpoint());
        p.handshake();
        p.read();
        Stream out = p.connection.openStream(StreamOptions.defaults());
        p.read();
        p.send(Frame.newBuilder()
                .setCredit(Credit.newBuilder()
                        .setStreamId(out.id())
                        .setBytes(1 << 20)
                        .setMessages(1000))
                .build());
        p.channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        for (int i = 0; i < 100; i++) {
            assertThat(out.offer(new byte[100])).isEqualTo(OfferResult.ACCEPTED);
        }
        assertThat(p.read(Frame.BodyCase.DATA))
                .as("nothing written while not writable")
                .isEmpty();
        advance(Duration.ofMillis(40));
        assertThat(p.connection.stats().stalledNanos(StallReason.CHANNEL_NOT_WRITABLE))
                .isPositive();
        int flushesBefore = p.flushes;
        p.channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        assertThat(p.read(Frame.BodyCase.DATA)).hasSize(100);
        assertThat(p.flushes - flushesBefore).as("one flush for the batch").isEqualTo(1);
        assertThat(out.stats().sentMessages()).isEqualTo(100);
    }

    @Test
    void demandRequestedInALocalStreamsOnOpenIsGrantedAfterItsOpen() {
        // onOpen of a stream this side opens runs before the Open frame is written: its request(n) used to be
        // dropped, so the peer never got message credit for it.
        EmbeddedPeer p = server(new TestEndpoint());
        p.handshake();
        p.read();
        List<String> received = new ArrayList<>();
        Stream out = p.connection.openStream(StreamOptions.builder()
                .listener(new StreamListener() {
                    @Override
                    public void onOpen(Stream stream) {
                        stream.request(3);
                    }

                    @Override
                    public void onMessage(Stream stream, Message message) {
                        received.add(new String(message.toByteArray(), java.nio.charset.StandardCharsets.UTF_8));
                    }
                })
                .build());
        p.channel.runPendingTasks();
        List<Frame> frames = p.read();
        assertThat(frames)
                .extracting(Frame::getBodyCase)
                .containsSubsequence(Frame.BodyCase.OPEN, Frame.BodyCase.CREDIT);
        long messages = frames.stream()
                .filter(f -> f.getBodyCase() == Frame.BodyCase.CREDIT)
                .filter(f -> f.getCredit().getStreamId() == out.id())
                .mapToLong(f -> f.getCredit().getMessages())
                .sum();
        assertThat(messages)
                .as("message credit: the three messages asked for in onOpen")
                .isEqualTo(3);
        p.sendRaw(Frames.data(out.id(), "hi".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(received).containsExactly("hi");
    }

    @Test
    void aPullListenerHearsOnReadableOncePerReadBatchWithEveryFrameOfItQueued() {
        List<Integer> queuedAtCallback = new ArrayList<>();
        peer = new EmbeddedPeer(
                new TestEndpoint()
                        .clock(clock)
                        .streamHandler(s -> new io.creditflow.transport.PullListener() {
                            @Override
                            public void onReadable(Stream stream) {
                                int n = 0;
                                while (true) {
                                    try (Message m = stream.poll(0, TimeUnit.SECONDS)) {
                                        if (m == null) {
                                            break;
                                        }
                                        n++;
                                    } catch (InterruptedException e) {
                                        throw new AssertionError(e);
                                    }
                                }
                                queuedAtCallback.add(n);
                            }
                        })
                        .build(),
                false);
        EmbeddedPeer p = peer;
        p.handshake();
        p.send(Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build());
        byte[] one = {1};
        // Three data frames in one read: one announcement, after all three are queued.
        p.sendRaw(
                io.netty.buffer.Unpooled.wrappedBuffer(Frames.data(1, one), Frames.data(1, one), Frames.data(1, one)));
        assertThat(queuedAtCallback).containsExactly(3);
        p.sendRaw(Frames.data(1, one));
        assertThat(queuedAtCallback).as("the next batch is announced again").containsExactly(3, 1);
    }

    @Test
    void answersRevokeWithWhatItHadNotUsed() {
        EmbeddedPeer p = server(new TestEndpoint());
        p.handshake();
        Stream out = p.connection.openStream(StreamOptions.defaults());
        p.read();
        p.send(Frame.newBuilder()
                .setCredit(Credit.newBuilder()
                        .setStreamId(out.id())
                        .setBytes(10_000)
                        .setMessages(10))
                .build());
        out.offer(new byte[3000]);
        p.read();
        p.send(Frame.newBuilder()
                .setRevoke(Revoke.newBuilder().setStreamId(out.id()).setKeepBytes(1000))
                .build());
        List<Frame> acks = p.read(Frame.BodyCase.REVOKE_ACK);
        assertThat(acks).hasSize(1);
        assertThat(acks.get(0).getRevokeAck().getReturnedBytes()).isEqualTo(6000);
        assertThat(out.stats().sendCreditBytes()).isEqualTo(1000);
    }

    @Test
    void protocolViolationsGetTheirCodeAndScope() {
        EmbeddedPeer p = server(new TestEndpoint());
        p.handshake();
        p.send(Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build());
        p.send(Frame.newBuilder()
                .setHalfClose(HalfClose.newBuilder().setStreamId(1))
                .build());
        p.read();
        p.send(Frame.newBuilder()
                .setHalfClose(HalfClose.newBuilder().setStreamId(1))
                .build());
        List<Frame> resets = p.read(Frame.BodyCase.RESET);
        assertThat(resets).as("a second HalfClose is a stream error").hasSize(1);
        assertThat(resets.get(0).getReset().getCode()).isEqualTo(ErrorCode.STREAM_CLOSED);
        assertThat(p.channel.isActive()).isTrue();
        p.send(Frame.newBuilder().setCredit(Credit.newBuilder().setStreamId(3)).build());
        List<Frame> goAway = p.read(Frame.BodyCase.GO_AWAY);
        assertThat(goAway).as("zero credit is a connection error").hasSize(1);
        assertThat(goAway.get(0).getGoAway().getCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(p.channel.isActive()).isFalse();
    }

    @Test
    void aResetStreamReleasesItsUnconsumedBytesFromTheReadWatermark() {
        EmbeddedPeer p = server(new TestEndpoint().streamWindowBytes(64 * 1024).readWatermarks(2000, 4000));
        p.handshake();
        p.send(Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build());
        for (int i = 0; i < 4; i++) {
            p.sendData(1, 1000);
        }
        assertThat(p.channel.config().isAutoRead()).isFalse();
        p.send(Frame.newBuilder()
                .setReset(io.creditflow.proto.wire.Reset.newBuilder()
                        .setStreamId(1)
                        .setCode(ErrorCode.CANCEL))
                .build());
        assertThat(p.connection.stats().unconsumedInboundBytes()).isZero();
        assertThat(p.channel.config().isAutoRead())
                .as("the reset stream's data no longer counts")
                .isTrue();
    }

    @Test
    void aListenerWhoseOnOpenThrowsGetsItsStreamRefusedNotAZombie() {
        peer = new EmbeddedPeer(
                new TestEndpoint()
                        .clock(clock)
                        .streamHandler(s -> new StreamListener() {
                            @Override
                            public void onOpen(Stream stream) {
                                throw new IllegalStateException("boom");
                            }
                        })
                        .build(),
                false);
        EmbeddedPeer p = peer;
        p.handshake();
        p.send(Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build());
        List<Frame> resets = p.read(Frame.BodyCase.RESET);
        assertThat(resets).hasSize(1);
        assertThat(resets.get(0).getReset().getCode()).isEqualTo(ErrorCode.APPLICATION_ERROR);
        assertThat(p.connection.stats().openStreams()).isZero();
        assertThat(p.read(Frame.BodyCase.CREDIT))
                .as("no credit for a refused stream")
                .isEmpty();
    }

    @Test
    void aMessageOverMaxMessageBytesIsRefusedEvenWithinTheFrameLimit() {
        EmbeddedPeer p = server(new TestEndpoint().maxMessageBytes(1000));
        p.handshake();
        p.send(Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build());
        p.read();
        p.sendData(1, 1001);
        List<Frame> goAway = p.read(Frame.BodyCase.GO_AWAY);
        assertThat(goAway).hasSize(1);
        assertThat(goAway.get(0).getGoAway().getCode()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
    }

    @Test
    void framesAfterAConnectionErrorInTheSameReadAreIgnored() {
        EmbeddedPeer p = server(new TestEndpoint());
        p.handshake();
        p.read();
        io.netty.buffer.ByteBuf both = io.netty.buffer.Unpooled.buffer();
        io.netty.buffer.ByteBuf bad = io.creditflow.proto.codec.FrameWriter.encode(
                io.netty.buffer.ByteBufAllocator.DEFAULT,
                Frame.newBuilder().setCredit(Credit.newBuilder().setStreamId(0)).build());
        io.netty.buffer.ByteBuf open = io.creditflow.proto.codec.FrameWriter.encode(
                io.netty.buffer.ByteBufAllocator.DEFAULT,
                Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build());
        both.writeBytes(bad).writeBytes(open);
        bad.release();
        open.release();
        p.sendRaw(both);
        assertThat(p.read(Frame.BodyCase.GO_AWAY)).hasSize(1);
        assertThat(accepted)
                .as("the Open after the error never reached the handler")
                .isEmpty();
    }

    @Test
    void aStreamErrorInTheMiddleOfAReadResetsThatStreamAndTheRestOfTheReadStillCounts() {
        EmbeddedPeer p = server(new TestEndpoint());
        p.handshake();
        p.send(Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build());
        p.send(Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(3)).build());
        p.send(Frame.newBuilder()
                .setHalfClose(HalfClose.newBuilder().setStreamId(1))
                .build());
        p.read();
        io.netty.buffer.ByteBuf read = io.netty.buffer.Unpooled.buffer();
        io.creditflow.proto.codec.FrameWriter.writeDataHeader(read, 1, 10); // after HalfClose: STREAM_CLOSED
        read.writeZero(10);
        io.creditflow.proto.codec.FrameWriter.writeDataHeader(read, 3, 20);
        read.writeZero(20);
        io.creditflow.proto.codec.FrameWriter.writeDataHeader(read, 3, 30);
        read.writeZero(15); // the rest of this frame comes with the next read
        p.sendRaw(read);
        io.netty.buffer.ByteBuf rest = io.netty.buffer.Unpooled.buffer().writeZero(15);
        p.sendRaw(rest);
        List<Frame> resets = p.read(Frame.BodyCase.RESET);
        assertThat(resets).hasSize(1);
        assertThat(resets.get(0).getReset().getStreamId()).isEqualTo(1);
        assertThat(resets.get(0).getReset().getCode()).isEqualTo(ErrorCode.STREAM_CLOSED);
        assertThat(p.channel.isActive()).isTrue();
        assertThat(accepted.get(1).stats().receivedMessages())
                .as("both frames after the error decoded")
                .isEqualTo(2);
        assertThat(accepted.get(1).stats().receivedBytes()).isEqualTo(50);
    }

    @Test
    void dataOnAStreamThatWasNeverOpenedIsAConnectionError() {
        EmbeddedPeer p = server(new TestEndpoint());
        p.handshake();
        p.read();
        p.sendData(5, 10);
        List<Frame> goAway = p.read(Frame.BodyCase.GO_AWAY);
        assertThat(goAway).hasSize(1);
        assertThat(goAway.get(0).getGoAway().getCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(goAway.get(0).getGoAway().getReason()).contains("idle stream 5");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void framesSplitAtRandomBoundariesDecodeToTheSameMessages(long seed) throws Exception {
        java.util.Random random = new java.util.Random(seed);
        EmbeddedPeer p = server(new TestEndpoint()
                .streamWindowMessages(100_000)
                .streamWindowBytes(64 << 20)
                .connectionWindowBytes(64 << 20)
                .minPingInterval(Duration.ofNanos(1))
                .maxPingStrikes(Integer.MAX_VALUE)); // pings mixed in freely
        p.handshake();
        p.send(Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build());
        io.netty.buffer.ByteBuf wire = io.netty.buffer.Unpooled.buffer();
        int messages = 300;
        for (int i = 0; i < messages; i++) {
            int size = random.nextInt(4) == 0 ? random.nextInt(200) : 1024 + random.nextInt(3) * 1000;
            io.creditflow.proto.codec.FrameWriter.writeDataHeader(wire, 1, size);
            for (int b = 0; b < size; b++) {
                wire.writeByte((i + b) & 0xFF);
            }
            if (random.nextInt(10) == 0) {
                io.netty.buffer.ByteBuf ping = io.creditflow.proto.codec.FrameWriter.encode(
                        io.netty.buffer.ByteBufAllocator.DEFAULT,
                        Frame.newBuilder()
                                .setPing(io.creditflow.proto.wire.Ping.newBuilder()
                                        .setPayload(i))
                                .build());
                wire.writeBytes(ping);
                ping.release();
            }
        }
        while (wire.isReadable()) {
            int chunk = 1 + random.nextInt(random.nextBoolean() ? 8 : 3000);
            p.sendRaw(wire.readRetainedSlice(Math.min(chunk, wire.readableBytes())));
        }
        wire.release();
        Stream s = accepted.get(0);
        for (int i = 0; i < messages; i++) {
            try (Message m = s.poll(0, TimeUnit.SECONDS)) {
                assertThat(m).as("message %d", i).isNotNull();
                java.nio.ByteBuffer payload = m.payload();
                for (int b = 0; b < payload.remaining(); b++) {
                    if (payload.get(b) != (byte) ((i + b) & 0xFF)) {
                        throw new AssertionError("message " + i + " byte " + b + " corrupted");
                    }
                }
            }
        }
        assertThat(p.channel.isActive()).isTrue();
    }

    @Test
    void framesSplitAtEveryByteDecodeTheSame() {
        EmbeddedPeer p = server(new TestEndpoint());
        p.handshake();
        p.send(Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build());
        io.netty.buffer.ByteBuf data = io.netty.buffer.Unpooled.buffer();
        for (int i = 0; i < 5; i++) {
            io.creditflow.proto.codec.FrameWriter.writeDataHeader(data, 1, 300);
            data.writeBytes(new byte[300]);
        }
        while (data.isReadable()) {
            p.sendRaw(data.readRetainedSlice(Math.min(7, data.readableBytes())));
        }
        data.release();
        assertThat(accepted.get(0).stats().receivedMessages()).isEqualTo(5);
        assertThat(accepted.get(0).stats().receivedBytes()).isEqualTo(1500);
    }
}
