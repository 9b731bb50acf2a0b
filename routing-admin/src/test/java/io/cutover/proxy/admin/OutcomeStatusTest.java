package io.cutover.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cutover.proxy.core.service.Outcome;
import org.junit.jupiter.api.Test;

class OutcomeStatusTest {
    @Test
    void eachKindOfOutcomeHasItsStatus() {
        assertEquals(200, OutcomeStatus.of(Outcome.accepted("x"), 200));
        assertEquals(201, OutcomeStatus.of(Outcome.accepted("x"), 201), "a creation says so");
        assertEquals(400, OutcomeStatus.of(Outcome.invalid("topics", "topics: bad"), 200));
        assertEquals(404, OutcomeStatus.of(Outcome.notFound("wave", "w1"), 200));
        assertEquals(409, OutcomeStatus.of(Outcome.conflict("no"), 200));
        assertEquals(412, OutcomeStatus.of(new Outcome.Stale<>(2, 1), 200));
        assertEquals(503, OutcomeStatus.of(Outcome.unavailable("cluster down"), 200));
        assertEquals(500, OutcomeStatus.of(new Outcome.Incomplete<>("not saved", "x"), 200));
    }

    @Test
    void refusalsCarryTheirReasonAndWhatTheyLeft() {
        assertEquals("topics: bad", OutcomeStatus.reason(Outcome.invalid("topics", "topics: bad")));
        assertEquals("no wave named w1", OutcomeStatus.reason(Outcome.notFound("wave", "w1")));
        assertEquals("no", OutcomeStatus.reason(new Outcome.Conflict<>("no", "left", null)));
        assertEquals("left", OutcomeStatus.current(new Outcome.Conflict<>("no", "left", null)));
        assertEquals("left", OutcomeStatus.current(new Outcome.Unavailable<>("down", "left")));
        assertEquals("left", OutcomeStatus.current(new Outcome.Incomplete<>("not saved", "left")));
        assertNull(OutcomeStatus.current(Outcome.conflict("no")));
        assertNull(OutcomeStatus.current(Outcome.invalid(null, "bad")));
    }
}
