package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExampleTest {
    @Test
    void theSlowServerHoldsTheClientBackAndGetsEverythingInOrder() throws Exception {
        Example.Result r = Example.run(2000);
        assertEquals(2000, r.processed());
        assertTrue(r.inOrder(), "in order");
        assertTrue(r.senderStalledMillis() > 0, "the sender waited for credit: " + r);
    }
}
