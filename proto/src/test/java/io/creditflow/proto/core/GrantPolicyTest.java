package io.creditflow.proto.core;

import static io.creditflow.proto.core.GrantPolicy.NO_LIMIT;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * docs/protocol.md section 6.2, rule by rule, as tables over the pure grant decision. Each row names the
 * sentence of 6.2 it checks. Sizes: a 1000-byte window, a 100-byte minimum grant, 16-message windows.
 */
class GrantPolicyTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                // rule | window | conn | grow | connShare | budgetShare | min | target
                "fixed: min(streamWindowBytes, connectionWindow) | 1000 | 5000 | - | - | - | 100 | 1000",
                "fixed: the connection window bounds it | 1000 | 600 | - | - | - | 100 | 600",
                "adaptive: above the window only within its shares | 4000 | 5000 | 2500 | - | - | 100 | 2500",
                "adaptive: below its grow limit, its own target | 1500 | 5000 | 2500 | - | - | 100 | 1500",
                "starved connection: cut to its fair share | 1000 | 5000 | - | 400 | - | 100 | 400",
                "short budget: cut to the budget's fair share | 1000 | 5000 | - | - | 300 | 100 | 300",
                "both short: the smaller share | 1000 | 5000 | - | 400 | 300 | 100 | 300",
                "a share never cuts below minGrantBytes | 1000 | 5000 | - | 40 | 30 | 100 | 100",
                "a share above the window does not raise it | 1000 | 5000 | - | 4000 | - | 100 | 1000",
            })
    void byteTarget(
            String rule,
            long window,
            long connectionWindow,
            Long grow,
            Long connectionShare,
            Long budgetShare,
            long minGrant,
            long expected) {
        assertThat(GrantPolicy.targetBytes(
                        window,
                        connectionWindow,
                        grow == null ? NO_LIMIT : grow,
                        connectionShare == null ? NO_LIMIT : connectionShare,
                        budgetShare == null ? NO_LIMIT : budgetShare,
                        minGrant))
                .as(rule)
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "raised to needed_bytes of a pending Blocked | 400 | 1000 | 1000",
                "a smaller Blocked does not lower it | 1000 | 400 | 1000",
                "no Blocked | 1000 | 0 | 1000",
            })
    void raisedToABlockedMessage(String rule, long target, long needed, long expected) {
        assertThat(GrantPolicy.raisedTarget(target, needed)).as(rule).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                // rule | target | hold | window | needed | quiet | due
                "want >= ceil(target/2): due, all of want | 1000 | 500 | 500 | 0 | false | 500",
                "want below half the target: batched, nothing | 1000 | 501 | 501 | 0 | false | 0",
                "ceil: target 1001 needs want 501 | 1001 | 501 | 501 | 0 | false | 0",
                "ceil: target 1001, want 501 is due | 1001 | 500 | 500 | 0 | false | 501",
                "the first grant: the whole target | 1000 | 0 | 0 | 0 | false | 1000",
                "want <= 0: nothing | 1000 | 1000 | 200 | 0 | false | 0",
                "below half, but it lets the blocked message through | 1000 | 800 | 100 | 300 | false | 200",
                "below half, and the message still would not fit | 1000 | 850 | 100 | 300 | false | 0",
                "a window already above needed: batching applies | 1000 | 800 | 400 | 300 | false | 0",
                "quiet after a revoke: no batch grant | 1000 | 0 | 0 | 0 | true | 0",
                "quiet after a revoke, but a Blocked it lets through | 1000 | 0 | 0 | 500 | true | 1000",
            })
    void bytesDue(String rule, long target, long hold, long window, long needed, boolean quiet, long expected) {
        assertThat(GrantPolicy.bytesDue(target, hold, window, needed, quiet))
                .as(rule)
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                // rule | due | room | needed | window | allOrNothing | allowed
                "min(want, connectionWindowBytes - sum of holds) | 500 | 300 | 0 | 0 | false | 300",
                "the connection window has room: all that is due | 500 | 900 | 0 | 0 | false | 500",
                "over-committed connection: nothing (never negative) | 500 | -50 | 0 | 0 | false | 0",
                "blocked, no priority: exactly needed - window | 500 | 900 | 300 | 100 | true | 200",
                "blocked, no priority, room short of it: nothing | 500 | 150 | 300 | 100 | true | 0",
                "blocked with priority: partial credit is fine | 500 | 150 | 300 | 100 | false | 150",
            })
    void allowedBytes(String rule, long due, long room, long needed, long window, boolean allOrNothing, long expected) {
        long required = GrantPolicy.requiredBytes(needed, window);
        assertThat(GrantPolicy.allowedBytes(due, room, required, allOrNothing))
                .as(rule)
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                // rule | limit | granted | window | demand | msgWindow | due
                "pull: the first grant is the full window | 16 | 0 | 0 | false | 16 | 16",
                "pull: room >= max(1, floor(window/2)) is granted | 24 | 16 | 8 | false | 16 | 8",
                "pull: less than half is held back | 23 | 16 | 9 | false | 16 | 0",
                "pull: ... unless the peer has no message credit left | 23 | 16 | 0 | false | 16 | 7",
                "pull: a window of 1 grants each consumed message | 2 | 1 | 0 | false | 1 | 1",
                "pull: nothing consumed, nothing due | 16 | 16 | 16 | false | 16 | 0",
                "pull: unlimited is granted once | MAX | 0 | 0 | false | MAX | MAX",
                "pull: unlimited, once granted, stays | MAX | MAX | MAX | false | MAX | 0",
                "push: a listener that requests nothing receives nothing | 0 | 0 | 0 | true | 16 | 0",
                "push: demand granted in full when the peer holds none | 3 | 0 | 0 | true | 16 | 3",
                "push: demand that at least doubles what is outstanding | 10 | 5 | 5 | true | 16 | 5",
                "push: less than what is outstanding waits | 9 | 5 | 5 | true | 16 | 0",
                "push: request(Long.MAX_VALUE) is unlimited | MAX | 0 | 0 | true | 16 | MAX",
            })
    void messagesDue(
            String rule, String limit, String granted, String window, boolean demand, String msgWindow, String due) {
        assertThat(GrantPolicy.messagesDue(n(limit), n(granted), n(window), demand, n(msgWindow)))
                .as(rule)
                .isEqualTo(n(due));
    }

    /** A count of the tables: a number, or MAX for {@link Credits#UNLIMITED} (2^63-1). */
    static long n(String value) {
        return value.equals("MAX") ? Credits.UNLIMITED : Long.parseLong(value);
    }

    @ParameterizedTest(name = "consumed {0} + window {1} -> limit {2}")
    @CsvSource({"0, 16, 16", "40, 16, 56", "9223372036854775800, 16, MAX"})
    void pullLimitIsConsumedPlusTheWindowSaturating(long consumed, long window, String expected) {
        assertThat(GrantPolicy.pullMessageLimit(consumed, window)).isEqualTo(n(expected));
    }

    @ParameterizedTest(name = "adaptive={0} target={1} window={2} -> {4}")
    @CsvSource({
        "false, 500, 1000, DRAIN, FIXED",
        "true, 500, 1000, DRAIN, BUDGET",
        "true, 1000, 1000, DRAIN, DRAIN",
        "true, 1000, 1000, BDP, BDP",
    })
    void theReasonForATarget(
            boolean adaptive, long target, long window, WindowReason adaptiveReason, WindowReason expected) {
        assertThat(GrantPolicy.reason(adaptive, target, window, adaptiveReason)).isEqualTo(expected);
    }
}
