package io.genpipe.runtime.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AurocTest {

    @Test
    void perfectReversedAndHandComputed() {
        boolean[] pos = {false, false, true, true};
        assertEquals(1.0, Auroc.compute(new double[] {0.1, 0.2, 0.8, 0.9}, pos));
        assertEquals(0.0, Auroc.compute(new double[] {0.9, 0.8, 0.2, 0.1}, pos));
        // pairs (pos, neg): (0.35>0.1) (0.35<0.4) (0.8>0.1) (0.8>0.4): 3 of 4
        assertEquals(0.75, Auroc.compute(new double[] {0.1, 0.4, 0.35, 0.8}, pos));
    }

    @Test
    void tiesCountHalf() {
        assertEquals(0.5, Auroc.compute(new double[] {1, 1, 1, 1}, new boolean[] {true, false, true, false}));
        // pos {2, 1}, neg {1, 0}: 2>1, 2>0, 1=1 (half), 1>0 -> 3.5 / 4
        assertEquals(0.875, Auroc.compute(new double[] {2, 1, 1, 0}, new boolean[] {true, true, false, false}));
    }

    @Test
    void needsBothClasses() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> Auroc.compute(new double[] {1, 2}, new boolean[] {true, true}));
        assertEquals("AUROC needs positives and negatives; got 2 and 0", e.getMessage());
    }
}
