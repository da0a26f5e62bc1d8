package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.proto.wire.Settings;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Message;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Item 4: seeded random sequences of open / data / credit / revoke / half-close / reset on up to 16 streams,
 * driven against a server {@link ConnectionHandler} in an EmbeddedChannel by a peer that mostly follows the
 * rules and sometimes breaks one on purpose. A small reference model of both directions checks, after every
 * step: the handler never writes data beyond the credit the peer gave it (stream bytes, stream messages,
 * connection bytes), never grants while a revoke is outstanding or after the peer half-closed, reports
 * Blocked only when truly short; its receive windows equal the model's and stay in range; every violation
 * is answered with the right code and scope; nothing reaches the application after a reset; order holds in
 * both directions; and every byte of budget comes back at the end.
 */
@ExtendWith(LeakCheck.class)
class RandomSequenceTest {
    static final int MAX_STREAMS = 16;
    static final int MAX_MESSAGE = 8 * 1024;
    static final long STREAM_WINDOW = 16 * 1024;
    static final long CONNECTION_WINDOW = 64 * 1024;
    static final long PEER_CONNECTION_WINDOW = 32 * 1024;
    static final int STEPS = 400;

    /** 24 seeds by default; {@code -DrandomSequence.seeds=N} runs more. */
    static LongStream seeds() {
        return LongStream.rangeClosed(1, Integer.getInteger("randomSequence.seeds", 24));
    }

    /** The model of one stream, both directions. */
    static final class S {
        final int id;
        Stream app; // the server application's side
        // peer -> handler (the handler receives): what the handler granted and the peer has not used
        long sendBytes;
        long sendMessages;
        long sentMessages;
        int nextSendSeq;
        boolean peerHalfClosed;
        boolean revokeOutstanding;
        // handler -> peer (the handler sends): what the peer granted and the handler has not used
        long grantBytes;
        long grantMessages;
        int nextRecvSeq;
        final List<Integer> offered = new ArrayList<>();
        boolean appHalfClosed;
        int appHalfClosedAfter = -1;
        boolean handlerHalfClosed;
        // ends
        boolean reset; // by either side: gone from the peer's view
        ErrorCode expectReset; // a Reset the handler must send (stream violation, app cancel)
        // the application's view
        int appReceived;
        CloseStatus appClosed;
        boolean pull;

        S(int id) {
            this.id = id;
        }

        boolean live() {
            return !reset;
        }
    }

    /** One run. */
    static final class Run {
        final Random random;
        final Harness h;
        final MemoryBudget budget = MemoryBudget.ofBytes(96 * 1024);
        final Map<Integer, S> streams = new LinkedHashMap<>();
        final List<String> violations = new ArrayList<>();
        int lastOpened = -1;
        long connSend = CONNECTION_WINDOW; // the handler's initial connection credit to the peer
        long connGrant = PEER_CONNECTION_WINDOW; // the peer's to the handler
        long peerConsumedNotReturned;
        ErrorCode expectGoAway;
        boolean ended;
        int streamViolations;
        int steps;
        int revokes;
        int blockedSeen;
        int dataIn;
        int dataOut;
        int refused;
        final StringBuilder trace = new StringBuilder();

        Run(long seed) {
            random = new Random(seed);
            h = new Harness(
                    new TestEndpoint()
                            .memoryBudget(budget)
                            .connectionWindowBytes(CONNECTION_WINDOW)
                            .streamWindowBytes(STREAM_WINDOW)
                            .streamWindowMessages(8)
                            .maxMessageBytes(MAX_MESSAGE)
                            .minGrantBytes(4096)
                            .revokeIdle(Duration.ofMillis(100))
                            .maxConcurrentStreams(MAX_STREAMS)
                            .maxResetsReceived(1_000_000)
                            .maxResetsSent(1_000_000)
                            .maxConsecutiveEmptyFrames(1_000_000)
                            .keepaliveInterval(Duration.ofHours(1))
                            .keepaliveTimeout(Duration.ofHours(1))
                            .acceptedStreamOptions(StreamOptions.builder()
                                    .sendQueueBytes(8 * 1024)
                                    .sendQueueMessages(8)
                                    .build()),
                    this::accept,
                    false);
            h.send(Frame.newBuilder()
                    .setHandshake(Handshake.newBuilder()
                            .setMagic("creditflow")
                            .setProtocolVersion(1)
                            .setSettings(Settings.newBuilder()
                                    .setMaxFrameBytes(MAX_MESSAGE + 1024)
                                    .setMaxMessageBytes(MAX_MESSAGE)
                                    .setMaxConcurrentStreams(100)
                                    .setInitialConnectionWindowBytes(PEER_CONNECTION_WINDOW)
                                    .setInitialStreamWindowBytes(4096)
                                    .setInitialStreamWindowMessages(8)
                                    .setMaxMetadataBytes(1024)
                                    .setMaxMetadataEntries(16)))
                    .build());
            List<Frame> hs = h.read();
            assertThat(hs).singleElement().matches(Frame::hasHandshake);
        }

        StreamListener accept(Stream stream) {
            S s = streams.get(stream.id());
            if (s == null) {
                violations.add("accepted a stream the peer never opened: " + stream.id());
                return null;
            }
            s.app = stream;
            s.pull = stream.id() % 4 == 1;
            if (s.pull) {
                return new PullListener() {
                    @Override
                    public void onClose(Stream st, CloseStatus status) {
                        s.appClosed = status;
                    }
                };
            }
            return new StreamListener() {
                @Override
                public void onOpen(Stream st) {
                    st.request(1 + random.nextInt(8));
                }

                @Override
                public void onMessage(Stream st, Message m) {
                    appMessage(s, m);
                    if (random.nextInt(3) > 0) {
                        st.request(1 + random.nextInt(3));
                    }
                }

                @Override
                public void onClose(Stream st, CloseStatus status) {
                    s.appClosed = status;
                }
            };
        }

        void appMessage(S s, Message m) {
            if (s.appClosed != null) {
                violations.add("stream " + s.id + ": a message delivered after its close " + s.appClosed);
            }
            ByteBuffer p = m.payload();
            int seq = s.appReceived++;
            if (p.remaining() >= 4 && p.getInt(p.position()) != seq) {
                violations.add("stream " + s.id + ": message " + p.getInt(p.position()) + " arrived as " + seq);
            }
        }

        void step(int n) {
            process(h.read()); // the peer reads everything before it acts
            if (ended) {
                return;
            }
            int r = random.nextInt(1000);
            if (r < 5 && n > 20) {
                violate();
            } else if (r < 100) {
                open();
            } else if (r < 380) {
                sendData();
            } else if (r < 500) {
                grant();
            } else if (r < 540) {
                returnConnectionCredit();
            } else if (r < 570) {
                peerHalfClose();
            } else if (r < 590) {
                peerReset();
            } else if (r < 760) {
                appOffer();
            } else if (r < 780) {
                appHalfClose();
            } else if (r < 870) {
                appPoll();
            } else if (r < 880) {
                appCancel();
            } else if (r < 960) {
                int millis = 10 + random.nextInt(120);
                trace.append("~ ").append(millis).append(" ms pass\n");
                h.advance(Duration.ofMillis(millis));
                process(h.read()); // the ticks' Revokes and grants
            } else {
                answerRevokes();
            }
            if (!ended && random.nextInt(10) < 8) {
                answerRevokes();
            }
            check();
        }

        // ---------------------------------------------------------------- the peer, by the rules

        List<S> pick(java.util.function.Predicate<S> p) {
            List<S> l = new ArrayList<>();
            for (S s : streams.values()) {
                if (p.test(s)) {
                    l.add(s);
                }
            }
            return l;
        }

        S any(java.util.function.Predicate<S> p) {
            List<S> l = pick(p);
            return l.isEmpty() ? null : l.get(random.nextInt(l.size()));
        }

        void send(Frame f) {
            if (ended) {
                return; // the connection is gone: nothing more to say
            }
            List<Frame> pending = h.read(); // what due timers wrote since the last read comes first
            if (!pending.isEmpty()) {
                trace.append("(written before the next frame)\n");
                process(pending);
            }
            trace.append("> ")
                    .append(f.getBodyCase())
                    .append(' ')
                    .append(shortText(f))
                    .append('\n');
            h.send(f);
            process(h.read());
        }

        void open() {
            if (pick(S::live).size() >= MAX_STREAMS) {
                return;
            }
            int id = lastOpened < 0 ? 1 : lastOpened + (random.nextInt(5) == 0 ? 4 : 2);
            lastOpened = id;
            S s = new S(id);
            streams.put(id, s);
            send(Frames.open(id, "seq", Integer.toString(id)));
        }

        void sendData() {
            S s = any(x -> x.live() && !x.peerHalfClosed && x.sendMessages > 0);
            if (s == null) {
                return;
            }
            long room = Math.min(Math.min(s.sendBytes, connSend), MAX_MESSAGE);
            if (room < 4 || random.nextInt(6) == 0) {
                // Want more than we have: say so (Blocked), or send what fits.
                long want = 4 + random.nextInt(MAX_MESSAGE - 4);
                if (want > s.sendBytes && !s.revokeOutstanding) {
                    send(Frames.blocked(s.id, want));
                    return;
                }
            }
            int size = room <= 0 ? 0 : random.nextInt((int) Math.min(room, 4000) + 1);
            writeData(s, size);
        }

        void writeData(S s, int size) {
            if (ended) {
                return;
            }
            byte[] payload = new byte[size];
            if (size >= 4) {
                ByteBuffer.wrap(payload).putInt(s.nextSendSeq);
            }
            s.nextSendSeq++;
            s.sendBytes -= size;
            if (s.sendMessages != Long.MAX_VALUE) {
                s.sendMessages--;
            }
            s.sentMessages++;
            connSend -= size;
            dataIn++;
            trace.append("> DATA ").append(s.id).append(" size ").append(size).append('\n');
            ByteBuf buf = ByteBufAllocator.DEFAULT.buffer();
            FrameWriter.writeDataHeader(buf, s.id, size);
            buf.writeBytes(payload);
            h.sendRaw(buf);
            process(h.read());
        }

        void grant() {
            S s = any(x -> x.live() && !x.handlerHalfClosed);
            if (s == null) {
                return;
            }
            long bytes = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(3000);
            long messages = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(3);
            if (bytes == 0 && messages == 0) {
                bytes = 1;
            }
            s.grantBytes += bytes;
            s.grantMessages += messages;
            send(Frames.credit(s.id, bytes, messages));
        }

        void returnConnectionCredit() {
            if (peerConsumedNotReturned > 0) {
                connGrant += peerConsumedNotReturned;
                long b = peerConsumedNotReturned;
                peerConsumedNotReturned = 0;
                send(Frames.credit(0, b, 0));
            }
        }

        void peerHalfClose() {
            S s = any(x -> x.live() && !x.peerHalfClosed);
            if (s != null) {
                s.peerHalfClosed = true;
                s.sendBytes = 0; // the handler voids our unused credit
                send(Frames.halfClose(s.id));
            }
        }

        void peerReset() {
            S s = any(S::live);
            if (s != null) {
                s.reset = true;
                s.revokeOutstanding = false;
                boolean endedBefore = s.appClosed != null; // both sides half-closed and drained: removed already
                send(Frames.reset(s.id, ErrorCode.CANCEL));
                if (s.app != null
                        && !endedBefore
                        && (s.appClosed == null || s.appClosed.code() != io.creditflow.transport.ErrorCode.CANCEL)) {
                    violations.add(
                            "stream " + s.id + ": application closed with " + s.appClosed + " after the peer's CANCEL");
                }
            }
        }

        void answerRevokes() {
            for (S s : new ArrayList<>(streams.values())) {
                if (s.revokeOutstanding && random.nextInt(3) > 0) {
                    s.revokeOutstanding = false;
                    long returned = s.live() && !s.peerHalfClosed ? s.sendBytes : 0;
                    s.sendBytes -= returned;
                    send(Frames.revokeAck(s.id, returned));
                    if (ended) {
                        return;
                    }
                }
            }
        }

        // ---------------------------------------------------------------- the server application

        void appOffer() {
            S s = any(x -> x.app != null && x.live() && !x.appHalfClosed && x.appClosed == null);
            if (s == null) {
                return;
            }
            int size = 1 + random.nextInt(3000);
            byte[] m = new byte[size];
            m[0] = (byte) s.offered.size();
            if (s.app.offer(m) == OfferResult.ACCEPTED) {
                s.offered.add(size);
            }
            process(h.read());
        }

        void appHalfClose() {
            S s = any(x -> x.app != null && x.live() && !x.appHalfClosed && x.appClosed == null);
            if (s != null) {
                s.appHalfClosed = true;
                s.appHalfClosedAfter = s.offered.size();
                s.app.halfClose();
                process(h.read());
            }
        }

        void appPoll() {
            for (S s : streams.values()) {
                if (s.app == null || !s.pull) {
                    continue;
                }
                int take = random.nextInt(4);
                for (int i = 0; i < take; i++) {
                    Message m;
                    try {
                        m = s.app.poll(0, TimeUnit.SECONDS);
                    } catch (StreamClosedException e) {
                        break;
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    if (m == null) {
                        break;
                    }
                    try (m) {
                        if (s.appClosed != null && !s.appClosed.isOk()) {
                            violations.add("stream " + s.id + ": polled a message after " + s.appClosed);
                        }
                        appMessage(s, m);
                    }
                }
            }
            process(h.read());
        }

        void appCancel() {
            S s = any(x -> x.app != null && x.live() && x.appClosed == null);
            if (s != null) {
                s.expectReset = ErrorCode.CANCEL;
                s.app.cancel("application cancel");
                process(h.read());
            }
        }

        // ---------------------------------------------------------------- violations on purpose

        void violate() {
            int kind = random.nextInt(4) < 2 ? random.nextInt(2) : 2 + random.nextInt(7); // half stream-level
            S open = any(
                    x -> x.live() && !x.peerHalfClosed && !x.handlerHalfClosed && x.app != null && x.appClosed == null);
            S halfClosed = any(x -> x.live()
                    && x.peerHalfClosed
                    && !x.handlerHalfClosed
                    && !x.appHalfClosed
                    && x.app != null
                    && x.appClosed == null);
            switch (kind) {
                case 0 -> { // data after our HalfClose: a stream error
                    if (halfClosed != null && connSend >= 1) {
                        halfClosed.expectReset = ErrorCode.STREAM_CLOSED;
                        streamViolations++;
                        trace.append("! data after half-close on ")
                                .append(halfClosed.id)
                                .append('\n');
                        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer();
                        FrameWriter.writeDataHeader(buf, halfClosed.id, 1);
                        buf.writeByte(0);
                        connSend -= 1; // given back at once by a Credit on stream 0, which process() counts
                        h.sendRaw(buf);
                        process(h.read());
                    }
                }
                case 1 -> { // a second HalfClose: a stream error
                    if (halfClosed != null) {
                        halfClosed.expectReset = ErrorCode.STREAM_CLOSED;
                        streamViolations++;
                        send(Frames.halfClose(halfClosed.id));
                    }
                }
                case 2 -> { // data beyond the stream's byte credit
                    if (open != null
                            && open.sendMessages > 0
                            && open.sendBytes + 1 <= Math.min(MAX_MESSAGE, connSend)) {
                        expectGoAway = ErrorCode.FLOW_CONTROL_ERROR;
                        writeData(open, (int) open.sendBytes + 1);
                    }
                }
                case 3 -> { // data without message credit
                    if (open != null && open.sendMessages == 0 && open.sendBytes > 0 && connSend > 0) {
                        expectGoAway = ErrorCode.FLOW_CONTROL_ERROR;
                        writeData(open, 1);
                    }
                }
                case 4 -> { // reusing a stream id
                    if (lastOpened > 0) {
                        expectGoAway = ErrorCode.PROTOCOL_ERROR;
                        send(Frames.open(lastOpened));
                    }
                }
                case 5 -> { // data on a stream never opened
                    expectGoAway = ErrorCode.PROTOCOL_ERROR;
                    h.sendRaw(Frames.data(Math.max(1, lastOpened + 2), new byte[1]));
                    process(h.read());
                }
                case 6 -> { // zero credit
                    expectGoAway = ErrorCode.PROTOCOL_ERROR;
                    send(Frames.credit(open != null ? open.id : 0, 0, 0));
                }
                case 7 -> { // RevokeAck without a Revoke, or for more than the window
                    if (open != null) {
                        if (open.revokeOutstanding) {
                            expectGoAway = ErrorCode.FLOW_CONTROL_ERROR;
                            send(Frames.revokeAck(open.id, open.sendBytes + 1));
                        } else {
                            expectGoAway = ErrorCode.PROTOCOL_ERROR;
                            send(Frames.revokeAck(open.id, 0));
                        }
                    }
                }
                default -> { // a message above max_message_bytes
                    if (open != null) {
                        expectGoAway = ErrorCode.MESSAGE_TOO_LARGE;
                        writeData(open, MAX_MESSAGE + 1);
                    }
                }
            }
        }

        // ---------------------------------------------------------------- what the handler wrote

        void process(List<Frame> frames) {
            for (Frame f : frames) {
                trace.append("< ")
                        .append(f.getBodyCase())
                        .append(' ')
                        .append(shortText(f))
                        .append('\n');
                if (ended) {
                    violations.add("a frame after the GoAway: " + f);
                    continue;
                }
                switch (f.getBodyCase()) {
                    case DATA -> onData(f);
                    case CREDIT -> onCredit(f);
                    case REVOKE -> {
                        S s = streams.get(f.getRevoke().getStreamId());
                        if (s == null || !s.live() || s.peerHalfClosed) {
                            violations.add("Revoke for a stream that cannot send: "
                                    + f.getRevoke().getStreamId());
                        } else if (s.revokeOutstanding) {
                            violations.add("a second Revoke while one is outstanding: " + s.id);
                        } else {
                            s.revokeOutstanding = true;
                            revokes++;
                        }
                    }
                    case BLOCKED -> {
                        S s = streams.get(f.getBlocked().getStreamId());
                        long needed = f.getBlocked().getNeededBytes();
                        if (s == null || !s.live()) {
                            violations.add("Blocked for a stream that is gone: "
                                    + f.getBlocked().getStreamId());
                        } else if (needed <= s.grantBytes || s.grantMessages < 1) {
                            violations.add("stream " + s.id + ": Blocked(" + needed + ") with " + s.grantBytes
                                    + " bytes and " + s.grantMessages + " messages of credit");
                        } else if (s.nextRecvSeq >= s.offered.size() || s.offered.get(s.nextRecvSeq) != needed) {
                            violations.add("stream " + s.id + ": Blocked(" + needed + ") is not the next message");
                        }
                        blockedSeen++;
                    }
                    case HALF_CLOSE -> {
                        S s = streams.get(f.getHalfClose().getStreamId());
                        if (s == null || !s.live() || s.handlerHalfClosed || !s.appHalfClosed) {
                            violations.add(
                                    "unexpected HalfClose " + f.getHalfClose().getStreamId());
                        } else {
                            s.handlerHalfClosed = true;
                            if (s.nextRecvSeq != s.appHalfClosedAfter) {
                                violations.add("stream " + s.id + ": HalfClose after " + s.nextRecvSeq + " of "
                                        + s.appHalfClosedAfter + " messages");
                            }
                        }
                    }
                    case RESET -> {
                        S s = streams.get(f.getReset().getStreamId());
                        ErrorCode code = f.getReset().getCode();
                        if (s == null || !s.live()) {
                            violations.add("Reset for a stream that is gone: " + f.getReset());
                        } else if (code == ErrorCode.REFUSED_STREAM && s.app == null) {
                            s.reset = true; // refused: the handler still counts streams we consider ended
                            refused++;
                        } else if (s.expectReset != code) {
                            violations.add("stream " + s.id + ": Reset " + code + ", expected " + s.expectReset);
                        } else {
                            s.reset = true;
                            if (s.app != null
                                    && (s.appClosed == null
                                            || s.appClosed.code().wireValue() != code.getNumber())) {
                                violations.add("stream " + s.id + ": application closed with " + s.appClosed
                                        + " for a Reset " + code);
                            }
                        }
                    }
                    case GO_AWAY -> {
                        ended = true;
                        if (expectGoAway == null || f.getGoAway().getCode() != expectGoAway) {
                            violations.add("GoAway " + f.getGoAway().getCode() + " ("
                                    + f.getGoAway().getReason() + "), expected " + expectGoAway);
                        }
                    }
                    default -> violations.add("unexpected frame " + f);
                }
            }
            if (expectGoAway != null && !ended) {
                violations.add("no GoAway " + expectGoAway + " after the violation");
                ended = true;
            }
        }

        void onData(Frame f) {
            S s = streams.get(f.getData().getStreamId());
            int size = f.getData().getPayload().size();
            if (s == null || !s.live() || s.handlerHalfClosed) {
                violations.add(
                        "Data on a stream that cannot receive: " + f.getData().getStreamId());
                return;
            }
            if (size > s.grantBytes || s.grantMessages < 1 || size > connGrant) {
                violations.add("stream " + s.id + ": Data of " + size + " beyond credit (" + s.grantBytes + " bytes, "
                        + s.grantMessages + " messages, connection " + connGrant + ")");
            }
            int expected = s.nextRecvSeq++;
            if (expected >= s.offered.size()
                    || s.offered.get(expected) != size
                    || (size > 0 && f.getData().getPayload().byteAt(0) != (byte) expected)) {
                violations.add("stream " + s.id + ": Data out of order or not as offered (message " + expected + ")");
            }
            s.grantBytes -= size;
            s.grantMessages--;
            connGrant -= size;
            dataOut++;
            peerConsumedNotReturned += size;
        }

        void onCredit(Frame f) {
            int id = f.getCredit().getStreamId();
            long bytes = f.getCredit().getBytes();
            long messages = f.getCredit().getMessages();
            if (id == 0) {
                connSend += bytes;
                return;
            }
            S s = streams.get(id);
            if (s == null || !s.live()) {
                violations.add("Credit for a stream that is gone: " + id);
            } else if (s.peerHalfClosed) {
                violations.add("stream " + id + ": Credit after our HalfClose");
            } else if (s.revokeOutstanding) {
                violations.add("stream " + id + ": Credit while a Revoke is outstanding");
            } else {
                s.sendBytes += bytes;
                s.sendMessages = messages == Long.MAX_VALUE || s.sendMessages == Long.MAX_VALUE
                        ? Long.MAX_VALUE
                        : s.sendMessages + messages;
            }
        }

        // ---------------------------------------------------------------- invariants

        void check() {
            if (ended) {
                assertThat(h.active()).as("closed after the GoAway").isFalse();
                for (S s : streams.values()) {
                    if (s.app != null && s.live() && s.appClosed == null) {
                        violations.add("stream " + s.id + ": not closed after the GoAway");
                    }
                }
                return;
            }
            assertThat(h.active()).as("the connection is up").isTrue();
            long hold = h.p.connection.stats().receiveHoldBytes();
            if (hold < 0 || hold > CONNECTION_WINDOW) {
                violations.add("connection hold " + hold + " outside [0, " + CONNECTION_WINDOW + "]");
            }
            if (budget.reservedBytes() < 0 || budget.reservedBytes() > budget.limitBytes()) {
                violations.add("budget reserved " + budget.reservedBytes());
            }
            for (S s : streams.values()) {
                if (s.app == null || !s.live() || s.appClosed != null) {
                    continue;
                }
                var st = s.app.stats();
                if (st.receiveCreditBytes() != s.sendBytes) {
                    violations.add("stream " + s.id + ": handler's receive window " + st.receiveCreditBytes()
                            + " but the peer holds " + s.sendBytes);
                }
                if (st.receiveCreditBytes() < 0 || st.receiveCreditBytes() > Math.max(STREAM_WINDOW, MAX_MESSAGE)) {
                    violations.add("stream " + s.id + ": receive window " + st.receiveCreditBytes() + " out of range");
                }
                if (st.receivedMessages() != s.sentMessages) {
                    violations.add("stream " + s.id + ": received " + st.receivedMessages() + " of " + s.sentMessages);
                }
                if (!s.handlerHalfClosed
                        && (st.sendCreditBytes() != s.grantBytes || st.sendCreditMessages() != s.grantMessages)) {
                    violations.add("stream " + s.id + ": handler's send credit " + st.sendCreditBytes() + "/"
                            + st.sendCreditMessages() + " but the peer granted " + s.grantBytes + "/"
                            + s.grantMessages);
                }
            }
        }

        static String shortText(Frame f) {
            return f.hasData()
                    ? f.getData().getStreamId() + " size "
                            + f.getData().getPayload().size()
                    : f.toString().replace('\n', ' ');
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aMostlyConformingPeerNeverSeesTheHandlerBreakTheModel(long seed) {
        Run run = new Run(seed);
        try {
            for (int n = 0; n < STEPS && !run.ended; n++) {
                run.step(n);
                run.steps++;
                if (!run.violations.isEmpty()) {
                    break;
                }
            }
            assertThat(run.violations)
                    .as("seed %d, trace (last 60 lines):%n%s", seed, tail(run.trace, 60))
                    .isEmpty();
        } finally {
            run.h.close();
        }
        assertThat(run.budget.reservedBytes()).as("budget returned after close").isZero();
        assertThat(run.budget.streams()).isZero();
        for (S s : run.streams.values()) {
            if (s.app != null) {
                assertThat(s.appClosed).as("stream %d told of its end", s.id).isNotNull();
            }
        }
        System.out.printf(
                "[random sequence] seed %d: %d steps, %d streams, data %d in / %d out, %d Revokes, %d "
                        + "Blocked, %d refused, %d stream violations caught, ended by %s%n",
                seed,
                run.steps,
                run.streams.size(),
                run.dataIn,
                run.dataOut,
                run.revokes,
                run.blockedSeen,
                run.refused,
                run.streamViolations,
                run.expectGoAway == null ? "the end of the sequence" : run.expectGoAway);
    }

    static String tail(StringBuilder sb, int lines) {
        String[] all = sb.toString().split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }
}
