package io.creditflow.proto.core;

import java.util.ArrayList;
import java.util.List;

/** Records what an {@link InboundFlowController} decided to send. */
final class RecordingSink implements InboundFlowController.CreditSink {
    record Grant(int streamId, long bytes, long messages) {}

    final List<Grant> grants = new ArrayList<>();
    final List<Integer> revokes = new ArrayList<>();
    long connectionCredit;
    int connectionCreditFrames;

    @Override
    public void writeStreamCredit(int streamId, long bytes, long messages) {
        grants.add(new Grant(streamId, bytes, messages));
    }

    @Override
    public void writeConnectionCredit(long bytes) {
        connectionCredit += bytes;
        connectionCreditFrames++;
    }

    @Override
    public void writeRevoke(int streamId, long keepBytes) {
        revokes.add(streamId);
    }

    long grantedBytes(int streamId) {
        return grants.stream()
                .filter(g -> g.streamId == streamId)
                .mapToLong(Grant::bytes)
                .sum();
    }

    long grantedMessages(int streamId) {
        long total = 0;
        for (Grant g : grants) {
            if (g.streamId == streamId) {
                total = Credits.saturatedAdd(total, g.messages);
            }
        }
        return total;
    }

    void clear() {
        grants.clear();
        revokes.clear();
    }
}
