package io.creditflow.bench.kafka;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The median and range of one figure over the repeated runs.
 *
 * @param median the middle value (the mean of the two middle ones for an even count)
 * @param min the smallest
 * @param max the largest
 * @param n how many values
 */
record Spread(double median, double min, double max, int n) {

    static Spread of(List<Double> values) {
        if (values.isEmpty()) {
            return new Spread(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Spread(median, v[0], v[n - 1], n);
    }

    /** e.g. {@code 31,685 (30,120..33,002)}, with {@code decimals} digits after the point. */
    String format(int decimals) {
        if (n == 0) {
            return "-";
        }
        String f = "%,." + decimals + "f";
        return String.format(Locale.ROOT, f + " (" + f + ".." + f + ")", median, min, max);
    }

    @Override
    public String toString() {
        return Arrays.toString(new double[] {median, min, max});
    }
}
