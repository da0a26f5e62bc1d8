package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.broker.AccessControl.Action;
import io.creditflow.testing.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The auth file format: tokens to principals, allow rules with globs, mistakes named by line. */
@ExtendWith(LeakCheck.class)
class AccessControlTest {
    static final String FILE = """
            # creditflow broker access
            token  t-alice  principal alice
            token  t-alice-2 principal alice   # a second token for the same principal (rotation)
            token  t-bob    principal bob
            token  t-ops    principal ops

            allow  alice  produce  orders.*
            allow  bob    consume  orders.eu
            allow  *      consume  public.*
            allow  ops    *        *
            """;

    @Test
    void tokensNamePrincipalsAndRulesAllowOnlyWhatTheySay() {
        AccessControl ac = AccessControl.parse(FILE, "test");
        assertThat(ac.principalForToken("t-alice")).isEqualTo("alice");
        assertThat(ac.principalForToken("t-alice-2")).isEqualTo("alice");
        assertThat(ac.principalForToken("t-bob")).isEqualTo("bob");
        assertThat(ac.principalForToken("t-nobody")).isNull();
        assertThat(ac.principalForToken("")).isNull();
        assertThat(ac.principalForToken(null)).isNull();

        assertThat(ac.allows("alice", Action.PRODUCE, "orders.eu")).isTrue();
        assertThat(ac.allows("alice", Action.PRODUCE, "orders.")).isTrue();
        assertThat(ac.allows("alice", Action.PRODUCE, "orders")).isFalse();
        assertThat(ac.allows("alice", Action.PRODUCE, "xorders.eu")).isFalse();
        assertThat(ac.allows("alice", Action.CONSUME, "orders.eu")).isFalse();
        assertThat(ac.allows("bob", Action.CONSUME, "orders.eu")).isTrue();
        assertThat(ac.allows("bob", Action.CONSUME, "orders.eux")).isFalse();
        assertThat(ac.allows("bob", Action.PRODUCE, "orders.eu")).isFalse();
        assertThat(ac.allows("bob", Action.CONSUME, "public.news")).isTrue();
        assertThat(ac.allows("alice", Action.CONSUME, "public.news")).isTrue();
        assertThat(ac.allows("ops", Action.PRODUCE, "anything")).isTrue();
        assertThat(ac.allows("ops", Action.CONSUME, "anything")).isTrue();
        assertThat(AccessControl.denial("bob", Action.PRODUCE, "orders.eu"))
                .isEqualTo("principal 'bob' lacks produce on topic 'orders.eu'");
        assertThat(ac.toString()).contains("4 tokens", "4 rules").doesNotContain("t-alice");
    }

    @Test
    void aDotInAPatternIsLiteral() {
        AccessControl ac = AccessControl.parse("token t principal p\nallow p produce a.b\n", "test");
        assertThat(ac.allows("p", Action.PRODUCE, "a.b")).isTrue();
        assertThat(ac.allows("p", Action.PRODUCE, "axb")).isFalse();
    }

    @Test
    void mistakesAreRefusedWithTheirLine() {
        assertThatThrownBy(() -> AccessControl.parse("token t principal\n", "f"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("f line 1: ");
        assertThatThrownBy(() -> AccessControl.parse("token t principal a\ntoken t principal b\n", "f"))
                .hasMessageStartingWith("f line 2: ")
                .hasMessageContaining("already");
        assertThatThrownBy(() -> AccessControl.parse("token t principal a\n\nallow a publish x\n", "f"))
                .hasMessageStartingWith("f line 3: ")
                .hasMessageContaining("publish");
        assertThatThrownBy(() -> AccessControl.parse("token t principal a\nallow a produce top/ic\n", "f"))
                .hasMessageStartingWith("f line 2: ")
                .hasMessageContaining("topic pattern");
        assertThatThrownBy(() -> AccessControl.parse("token t principal a\nallow alcie produce x\n", "f"))
                .hasMessageStartingWith("f line 2: ")
                .hasMessageContaining("'alcie' has no token line");
        assertThatThrownBy(() -> AccessControl.parse("deny a produce x\n", "f"))
                .hasMessageStartingWith("f line 1: ")
                .hasMessageContaining("unknown keyword 'deny'");
        assertThatThrownBy(() -> AccessControl.parse("token t principal *\n", "f"))
                .hasMessageStartingWith("f line 1: ")
                .hasMessageContaining("principal '*'");
    }
}
