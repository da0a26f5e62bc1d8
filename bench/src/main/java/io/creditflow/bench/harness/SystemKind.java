package io.creditflow.bench.harness;

import io.creditflow.bench.harness.cf.BrokerReceiver;
import io.creditflow.bench.harness.cf.BrokerSender;
import io.creditflow.bench.harness.cf.CatchUpSender;
import io.creditflow.bench.harness.cf.CfReceiver;
import io.creditflow.bench.harness.cf.CfSender;
import io.creditflow.bench.harness.cf.ProducerAckSender;
import io.creditflow.bench.harness.grpc.GrpcReceiver;
import io.creditflow.bench.harness.grpc.GrpcSender;
import io.creditflow.bench.harness.netty.NettyReceiver;
import io.creditflow.bench.harness.netty.NettySender;
import java.util.Locale;

/**
 * The systems compared. Each supplies one {@link Receiver} and one {@link Sender}; everything else in
 * the harness is shared.
 */
public enum SystemKind {
    /** creditflow's Client and Server (the broker for S8). */
    CREDITFLOW,
    /** gRPC-java over grpc-netty-shaded, one bidi-streaming method with a byte[] marshaller. */
    GRPC,
    /** Raw Netty, 4-byte length-prefixed frames: no flow control, the ceiling. */
    NETTY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SystemKind parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("system: '" + s + "' (expected: creditflow, grpc or netty)");
        }
    }

    /** True if streams are real on this system (netty's are a stream index in each frame). */
    public boolean hasStreams() {
        return this != NETTY;
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
            case GRPC -> new GrpcReceiver();
            case NETTY -> new NettyReceiver();
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
            case GRPC -> new GrpcSender();
            case NETTY -> new NettySender();
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
