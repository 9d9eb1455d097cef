package io.genpipe.runtime.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Area under the ROC curve, by the Mann-Whitney rank statistic: the probability that a random
 * positive scores higher than a random negative, ties counting one half. Exact, O(n log n).
 */
public final class Auroc {

    private Auroc() {}

    /**
     * The ROC curve as (false positive rate, true positive rate) pairs, flattened, from (0, 0) to
     * (1, 1), thresholds at every distinct score (at most {@code maxPoints} kept, evenly).
     */
    public static double[] curve(double[] scores, boolean[] positive, int maxPoints) {
        compute(scores, positive); // same checks
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
        long nPos = 0;
        for (boolean p : positive) {
            nPos += p ? 1 : 0;
        }
        long nNeg = positive.length - nPos;
        List<double[]> points = new ArrayList<>();
        points.add(new double[] {0, 0});
        long tp = 0;
        long fp = 0;
        for (int i = 0; i < order.length; i++) {
            if (positive[order[i]]) {
                tp++;
            } else {
                fp++;
            }
            if (i + 1 == order.length || scores[order[i + 1]] != scores[order[i]]) {
                points.add(new double[] {(double) fp / nNeg, (double) tp / nPos});
            }
        }
        int step = Math.max(1, points.size() / Math.max(2, maxPoints));
        List<double[]> kept = new ArrayList<>();
        for (int i = 0; i < points.size(); i += step) {
            kept.add(points.get(i));
        }
        if (kept.get(kept.size() - 1) != points.get(points.size() - 1)) {
            kept.add(points.get(points.size() - 1));
        }
        double[] flat = new double[kept.size() * 2];
        for (int i = 0; i < kept.size(); i++) {
            flat[2 * i] = kept.get(i)[0];
            flat[2 * i + 1] = kept.get(i)[1];
        }
        return flat;
    }

    /**
     * The area under the ROC curve of {@code scores} separating positives from negatives.
     *
     * @param scores one score per sample, higher meaning "more positive"
     * @param positive whether each sample is a positive (e.g. an anomaly)
     * @throws IllegalArgumentException when lengths differ or a class is empty, or a score is NaN
     */
    public static double compute(double[] scores, boolean[] positive) {
        if (scores.length != positive.length) {
            throw new IllegalArgumentException(scores.length + " scores for " + positive.length + " labels");
        }
        long nPos = 0;
        for (boolean p : positive) {
            nPos += p ? 1 : 0;
        }
        long nNeg = positive.length - nPos;
        if (nPos == 0 || nNeg == 0) {
            throw new IllegalArgumentException("AUROC needs positives and negatives; got " + nPos + " and " + nNeg);
        }
        for (double s : scores) {
            if (Double.isNaN(s)) {
                throw new IllegalArgumentException("a score is NaN");
            }
        }
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double positiveRankSum = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (positive[order[k]]) {
                    positiveRankSum += averageRank;
                }
            }
            i = j + 1;
        }
        return (positiveRankSum - nPos * (nPos + 1) / 2.0) / ((double) nPos * nNeg);
    }
}
