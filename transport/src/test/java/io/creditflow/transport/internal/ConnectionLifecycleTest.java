package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link ConnectionState}'s transitions and questions, through {@link ConnectionLifecycle}. */
class ConnectionLifecycleTest {

    @Test
    void aConnectionOpensDrainsClosesAndIsClosed() {
        ConnectionLifecycle l = new ConnectionLifecycle();
        assertThat(l.state()).isEqualTo(ConnectionState.HANDSHAKING);
        assertThat(l.acceptsInput()).isTrue();
        assertThat(l.state().canOpenStreams()).isFalse();
        l.onHandshake();
        assertThat(l.state()).isEqualTo(ConnectionState.OPEN);
        assertThat(l.state().canOpenStreams()).isTrue();
        l.onGoAwaySent();
        assertThat(l.state()).isEqualTo(ConnectionState.DRAINING);
        assertThat(l.state().canOpenStreams()).isFalse();
        assertThat(l.acceptsInput()).isTrue();
        l.onClosing();
        assertThat(l.state()).isEqualTo(ConnectionState.CLOSING);
        assertThat(l.acceptsInput()).isFalse();
        assertThat(l.goAwaySent()).as("outlives DRAINING").isTrue();
        assertThat(l.goAwayReceived()).isFalse();
        l.onClosed();
        assertThat(l.isClosed()).isTrue();
        assertThat(l.state().isClosingOrClosed()).isTrue();
    }

    @Test
    void bothGoAwaysAreRememberedAndNeitherReopens() {
        ConnectionLifecycle l = new ConnectionLifecycle();
        l.onHandshake();
        l.onGoAwayReceived();
        l.onGoAwaySent();
        assertThat(l.state()).isEqualTo(ConnectionState.DRAINING);
        assertThat(l.goAwaySent()).isTrue();
        assertThat(l.goAwayReceived()).isTrue();
        l.onHandshake(); // only from HANDSHAKING
        assertThat(l.state()).isEqualTo(ConnectionState.DRAINING);
    }

    @Test
    void aGoAwayBeforeTheHandshakeDrainsAndLaterEventsNeverLeaveClosed() {
        ConnectionLifecycle l = new ConnectionLifecycle();
        l.onGoAwayReceived();
        assertThat(l.state()).isEqualTo(ConnectionState.DRAINING);
        l.onClosed();
        l.onClosing();
        l.onGoAwaySent();
        l.onHandshake();
        assertThat(l.state()).isEqualTo(ConnectionState.CLOSED);
    }
}
