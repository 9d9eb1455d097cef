package io.genpipe.vae;

import io.genpipe.api.GenpipeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Statistics of a VAE's training data, stored in the encoder's ONNX metadata at export so scores
 * are normalised with the training data's statistics, never the batch's:
 *
 * <ul>
 *   <li>{@code genpipe.vae.latent_mean}: JSON list, the mean of the posterior means (L values);</li>
 *   <li>{@code genpipe.vae.latent_precision}: JSON list, the inverse covariance of the posterior
 *       means, row-major (L&times;L values);</li>
 *   <li>{@code genpipe.vae.stats}: {@code {"reconstruction": {"mean": m, "std": s},
 *       "mahalanobis": {"mean": m, "std": s}}}.</li>
 * </ul>
 */
public record VaeStats(
        double[] latentMean,
        double[] latentPrecision,
        double reconMean,
        double reconStd,
        double mahalanobisMean,
        double mahalanobisStd) {

    static final String MEAN = "genpipe.vae.latent_mean";
    static final String PRECISION = "genpipe.vae.latent_precision";
    static final String STATS = "genpipe.vae.stats";

    /** Reads the statistics, or returns null when the model carries none of them. */
    static VaeStats fromMetadata(Map<String, String> metadata, String modelName, int latent) {
        if (!metadata.containsKey(MEAN) && !metadata.containsKey(PRECISION) && !metadata.containsKey(STATS)) {
            return null;
        }
        try {
            double[] mean = numbers(require(metadata, MEAN, modelName));
            double[] precision = numbers(require(metadata, PRECISION, modelName));
            String stats = require(metadata, STATS, modelName);
            if (mean.length != latent || precision.length != latent * latent) {
                throw new GenpipeException("model " + modelName + ": metadata " + MEAN + " / " + PRECISION + " hold "
                        + mean.length + " / " + precision.length + " values; latent size " + latent + " needs " + latent
                        + " / " + latent * latent);
            }
            return new VaeStats(
                    mean,
                    precision,
                    field(stats, "reconstruction", "mean", modelName),
                    field(stats, "reconstruction", "std", modelName),
                    field(stats, "mahalanobis", "mean", modelName),
                    field(stats, "mahalanobis", "std", modelName));
        } catch (NumberFormatException e) {
            throw new GenpipeException(
                    "model " + modelName + ": VAE statistics metadata is not a list of numbers: " + e.getMessage());
        }
    }

    private static String require(Map<String, String> metadata, String key, String modelName) {
        String v = metadata.get(key);
        if (v == null) {
            throw new GenpipeException(
                    "model " + modelName + " has some VAE statistics in its metadata but lacks " + key);
        }
        return v;
    }

    private static double[] numbers(String json) {
        String body = json.trim();
        if (!body.startsWith("[") || !body.endsWith("]")) {
            throw new NumberFormatException(
                    "expected a JSON list, got " + (body.length() > 40 ? body.substring(0, 40) + "..." : body));
        }
        List<Double> values = new ArrayList<>();
        for (String part : body.substring(1, body.length() - 1).split(",")) {
            if (!part.isBlank()) {
                values.add(Double.parseDouble(part.trim()));
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double field(String json, String group, String name, String modelName) {
        Matcher g = Pattern.compile("\"" + group + "\"\\s*:\\s*\\{([^}]*)}").matcher(json);
        if (g.find()) {
            Matcher f =
                    Pattern.compile("\"" + name + "\"\\s*:\\s*([-+0-9.eE]+)").matcher(g.group(1));
            if (f.find()) {
                return Double.parseDouble(f.group(1));
            }
        }
        throw new GenpipeException("model " + modelName + ": metadata " + STATS + " lacks " + group + "." + name);
    }

    /** (mu - mean)^T precision (mu - mean) for one row of {@code mu} starting at {@code offset}. */
    double mahalanobis(float[] mu, int offset) {
        int l = latentMean.length;
        double[] d = new double[l];
        for (int i = 0; i < l; i++) {
            d[i] = mu[offset + i] - latentMean[i];
        }
        double total = 0;
        for (int i = 0; i < l; i++) {
            double row = 0;
            for (int j = 0; j < l; j++) {
                row += latentPrecision[i * l + j] * d[j];
            }
            total += d[i] * row;
        }
        return total;
    }
}
