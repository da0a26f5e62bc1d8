package io.creditflow.bench.harness;

import io.creditflow.bench.harness.cf.BrokerReceiver;
import io.creditflow.bench.harness.cf.BrokerSender;
import io.creditflow.bench.harness.cf.CatchUpSender;
import io.creditflow.bench.harness.cf.CfReceiver;
import io.creditflow.bench.harness.cf.CfSender;
import io.creditflow.bench.harness.cf.ProducerAckSender;
import io.creditflow.bench.harness.grpc.GrpcReceiver;
import io.creditflow.bench.harness.grpc.GrpcSender;
import io.creditflow.bench.harness.netty.BatchedNettyReceiver;
import io.creditflow.bench.harness.netty.BatchedNettySender;
import io.creditflow.bench.harness.netty.NettyReceiver;
import io.creditflow.bench.harness.netty.NettySender;
import java.util.Locale;

/**
 * The systems compared. Each supplies one {@link Receiver} and one {@link Sender}; everything else in
 * the harness is shared. docs/benchmarks.md says what each one is and why it is a fair peer.
 */
public enum SystemKind {
    /** creditflow's Client and Server (the broker for S8). */
    CREDITFLOW,
    /**
     * Raw Netty written with creditflow's care: gathering writes into 16 KiB buffers, one flush per write
     * pass, in-place decoding, creditflow's hand-off depth and socket buffers. The ceiling for every
     * Netty-based system.
     */
    NETTY_BATCHED,
    /** Raw Netty as most hand-written code looks: a buffer per message, the stock cumulating decoder. */
    NETTY_NAIVE,
    /** gRPC-java over grpc-netty-shaded, one bidi-streaming method, defaults (fast-path marshaller). */
    GRPC,
    /** The same gRPC method tuned: direct executors, a raised onReady threshold, a pinned window. */
    GRPC_TUNED;

    /** The name in rows and on the command line: {@code netty-batched}, {@code grpc-tuned}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A label, case-insensitive; {@code netty}, the naive row's name before there were two, still means it. */
    public static SystemKind parse(String s) {
        String label = s.trim().toLowerCase(Locale.ROOT);
        if (label.equals("netty")) {
            return NETTY_NAIVE;
        }
        for (SystemKind k : values()) {
            if (k.label().equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("system: '" + s + "' (expected: " + labels() + ")");
    }

    /** Every label, comma-separated, in order. */
    public static String labels() {
        StringBuilder b = new StringBuilder();
        for (SystemKind k : values()) {
            b.append(b.length() == 0 ? "" : ", ").append(k.label());
        }
        return b.toString();
    }

    /** True for the raw Netty systems. */
    public boolean isNetty() {
        return this == NETTY_BATCHED || this == NETTY_NAIVE;
    }

    /** True for the gRPC-java systems. */
    public boolean isGrpc() {
        return this == GRPC || this == GRPC_TUNED;
    }

    /** True if streams are real on this system (raw Netty's are a stream index in each frame). */
    public boolean hasStreams() {
        return !isNetty();
    }

    public Receiver newReceiver(RunSpec spec) {
        if (spec.kind().broker()) {
            if (this != CREDITFLOW) {
                throw new IllegalArgumentException("the broker scenario is creditflow only");
            }
            return new BrokerReceiver();
        }
        return switch (this) {
            case CREDITFLOW -> new CfReceiver();
            case NETTY_BATCHED -> new BatchedNettyReceiver();
            case NETTY_NAIVE -> new NettyReceiver();
            case GRPC -> new GrpcReceiver(false);
            case GRPC_TUNED -> new GrpcReceiver(true);
        };
    }

    public Sender newSender(RunSpec spec) {
        if (spec.kind().broker()) {
            if (this != CREDITFLOW) {
                throw new IllegalArgumentException("the broker scenario is creditflow only");
            }
            return switch (spec.kind()) {
                case PRODUCER -> new ProducerAckSender();
                case CATCH_UP -> new CatchUpSender();
                default -> new BrokerSender();
            };
        }
        return switch (this) {
            case CREDITFLOW -> new CfSender();
            case NETTY_BATCHED -> new BatchedNettySender();
            case NETTY_NAIVE -> new NettySender();
            case GRPC -> new GrpcSender(false);
            case GRPC_TUNED -> new GrpcSender(true);
        };
    }

    /** What the receiver counts as accepted once the sender has opened everything. */
    public int expectedAccepted(RunSpec spec) {
        if (spec.kind() == Kind.CATCH_UP) {
            return spec.consumers();
        }
        if (spec.kind().broker()) {
            return spec.consumers() + 1;
        }
        return hasStreams() ? spec.totalStreams() : spec.connections();
    }
}
