package io.genpipe.testkit;

import org.junit.jupiter.api.Assertions;

/**
 * Asserts for numbers computed by models: {@code |expected - actual| <= tolerance} element by
 * element, failing with the first offending index, both values and the largest difference, so a
 * parity failure says how far off it is and where.
 */
public final class Tolerance {

    private Tolerance() {}

    public static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        double[] e = new double[expected.length];
        double[] a = new double[actual.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
        }
        assertClose(e, a, tolerance, what);
    }

    public static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        if (expected.length != actual.length) {
            Assertions.fail(what + ": " + expected.length + " values expected, " + actual.length + " found");
        }
        int worst = -1;
        double max = 0;
        int first = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            boolean bad = !(d <= tolerance)
                    && !(Double.isNaN(expected[i]) && Double.isNaN(actual[i]))
                    && expected[i] != actual[i];
            if (bad && first < 0) {
                first = i;
            }
            if (d > max || (Double.isNaN(d) && worst < 0)) {
                max = d;
                worst = i;
            }
        }
        if (first >= 0) {
            Assertions.fail(what + ": element " + first + " is " + actual[first] + ", expected " + expected[first]
                    + " (difference " + Math.abs(expected[first] - actual[first]) + " > tolerance " + tolerance
                    + "); largest difference " + max + " at element " + worst + " of " + expected.length);
        }
    }

    /** The largest absolute difference between two arrays of the same length. */
    public static double maxDifference(double[] expected, double[] actual) {
        double max = 0;
        for (int i = 0; i < Math.min(expected.length, actual.length); i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        return max;
    }
}
