package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.transport.ErrorCode;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The public ErrorCode against the generated wire enum: the same codes with the same numbers, both ways. */
class ErrorCodesTest {
    @Test
    void everyPublicCodeHasTheWireNumberOfItsNamesake() {
        for (ErrorCode code : ErrorCode.values()) {
            io.creditflow.proto.wire.ErrorCode wire = ErrorCodes.toWire(code);
            assertThat(wire.name()).isEqualTo(code.name());
            assertThat(wire.getNumber()).isEqualTo(code.wireValue());
            assertThat(ErrorCodes.fromWire(wire)).isSameAs(code);
        }
    }

    @Test
    void everyWireCodeHasAPublicOne() {
        long known = Arrays.stream(io.creditflow.proto.wire.ErrorCode.values())
                .filter(w -> w != io.creditflow.proto.wire.ErrorCode.UNRECOGNIZED)
                .count();
        assertThat(ErrorCode.values()).hasSize((int) known);
    }

    @Test
    void anUnknownNumberIsAnInternalErrorThatKeepsTheNumberInTheReason() {
        assertThat(ErrorCode.ofWireValue(4711)).isNull();
        assertThat(ErrorCode.ofWireValue(-1)).isNull();
        assertThat(ErrorCodes.fromWire(4711)).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(ErrorCodes.describe(4711, "later")).isEqualTo("unknown error code 4711: later");
        assertThat(ErrorCodes.describe(4711, "")).isEqualTo("unknown error code 4711");
        assertThat(ErrorCodes.describe(ErrorCode.CANCEL.wireValue(), "bye")).isEqualTo("bye");
    }
}
