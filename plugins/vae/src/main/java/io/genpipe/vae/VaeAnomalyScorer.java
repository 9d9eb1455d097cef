package io.genpipe.vae;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.ScoreDirection;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.spi.PluginContext;
import io.genpipe.api.spi.ScorerFactory;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Anomaly score of images under a VAE; higher is more anomalous. Methods:
 *
 * <ul>
 *   <li>{@code reconstruction}: squared error sum ||x - decode(mu)||^2;</li>
 *   <li>{@code elbo}: negative ELBO with the reconstruction term at the posterior mean,
 *       BCE(x, decode(mu)) + KL(q(z|x) || N(0, I)), in nats;</li>
 *   <li>{@code iwae}: the importance-weighted bound -log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x) with
 *       K = {@code samples} draws per image (seeded per row id), in nats;</li>
 *   <li>{@code mahalanobis}: (mu - m)^T P (mu - m) with the training data's latent mean m and precision P;</li>
 *   <li>{@code combined}: reconstruction and Mahalanobis, each standardised with the training data's
 *       mean and standard deviation, summed.</li>
 * </ul>
 *
 * The last two need {@link VaeStats} in the encoder's metadata.
 */
final class VaeAnomalyScorer implements Scorer {

    enum Method {
        RECONSTRUCTION,
        ELBO,
        IWAE,
        MAHALANOBIS,
        COMBINED
    }

    private static final double LOG_2PI = Math.log(2 * Math.PI);
    private static final double EPS = 1e-7;

    private final VaeModels models;
    private final Method method;
    private final int samples;
    private final RandomSource random;

    private VaeAnomalyScorer(VaeModels models, Method method, int samples, RandomSource random) {
        this.models = models;
        this.method = method;
        this.samples = samples;
        this.random = random;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of(VaeModels.IMAGE_PORT);
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("score", DType.FLOAT64, "batch"));
    }

    @Override
    public String quantity() {
        return "anomaly";
    }

    @Override
    public ScoreDirection direction() {
        return ScoreDirection.HIGHER_IS_MORE;
    }

    @Override
    public double[] score(Batch batch) {
        Tensor image = batch.column(VaeModels.IMAGE);
        int rows = batch.rows();
        double[] scores = new double[rows];
        try (ModelOutputs enc = models.encoder.run(Map.of(VaeModels.IMAGE, image))) {
            Tensor muTensor = enc.get("mu");
            float[] mu = method == Method.RECONSTRUCTION ? null : muTensor.toFloatArray();
            if (method == Method.MAHALANOBIS || method == Method.COMBINED) {
                for (int r = 0; r < rows; r++) {
                    scores[r] = models.stats.mahalanobis(mu, r * models.latent);
                }
                if (method == Method.MAHALANOBIS) {
                    return scores;
                }
            }
            float[] x = image.toFloatArray();
            int pixels = x.length / rows;
            if (method == Method.IWAE) {
                return iwae(x, mu, enc.get("logvar").toFloatArray(), batch, pixels);
            }
            float[] recon;
            try (ModelOutputs dec = models.decoder.run(Map.of("z", muTensor))) {
                recon = dec.get(VaeModels.IMAGE).toFloatArray();
            }
            float[] logvar = method == Method.ELBO ? enc.get("logvar").toFloatArray() : null;
            for (int r = 0; r < rows; r++) {
                int base = r * pixels;
                switch (method) {
                    case RECONSTRUCTION -> scores[r] = squaredError(x, recon, base, pixels);
                    case COMBINED -> {
                        VaeStats s = models.stats;
                        scores[r] = (squaredError(x, recon, base, pixels) - s.reconMean()) / s.reconStd()
                                + (scores[r] - s.mahalanobisMean()) / s.mahalanobisStd();
                    }
                    case ELBO ->
                        scores[r] = -bernoulliLogLikelihood(x, recon, base, base, pixels)
                                + kl(mu, logvar, r * models.latent, models.latent);
                    default -> throw new IllegalStateException(method.toString());
                }
            }
        }
        return scores;
    }

    private double[] iwae(float[] x, float[] mu, float[] logvar, Batch batch, int pixels) {
        int rows = batch.rows();
        int l = models.latent;
        float[] z = new float[rows * samples * l];
        double[] logPriorMinusQ = new double[rows * samples];
        for (int r = 0; r < rows; r++) {
            RandomSource rowRandom = random.fork(batch.meta(r).id());
            for (int k = 0; k < samples; k++) {
                double acc = 0;
                for (int j = 0; j < l; j++) {
                    double eps = rowRandom.nextGaussian();
                    double lv = logvar[r * l + j];
                    double v = mu[r * l + j] + Math.exp(0.5 * lv) * eps;
                    z[(r * samples + k) * l + j] = (float) v;
                    // log p(z) - log q(z|x) for this coordinate
                    acc += -0.5 * (v * v + LOG_2PI) + 0.5 * (eps * eps + LOG_2PI + lv);
                }
                logPriorMinusQ[r * samples + k] = acc;
            }
        }
        float[] recon;
        try (BufferTensor zt = BufferTensor.ofFloats(z, (long) rows * samples, l);
                ModelOutputs dec = models.decoder.run(Map.of("z", zt))) {
            recon = dec.get(VaeModels.IMAGE).toFloatArray();
        }
        double[] scores = new double[rows];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            double[] logW = new double[samples];
            for (int k = 0; k < samples; k++) {
                int s = r * samples + k;
                logW[k] = bernoulliLogLikelihood(x, recon, r * pixels, s * pixels, pixels) + logPriorMinusQ[s];
                max = Math.max(max, logW[k]);
            }
            double sum = 0;
            for (double w : logW) {
                sum += Math.exp(w - max);
            }
            scores[r] = -(max + Math.log(sum / samples));
        }
        return scores;
    }

    private static double squaredError(float[] x, float[] recon, int base, int n) {
        double total = 0;
        for (int i = base; i < base + n; i++) {
            double d = x[i] - recon[i];
            total += d * d;
        }
        return total;
    }

    private static double bernoulliLogLikelihood(float[] x, float[] p, int xBase, int pBase, int n) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            double q = Math.min(Math.max(p[pBase + i], EPS), 1 - EPS);
            double v = x[xBase + i];
            total += v * Math.log(q) + (1 - v) * Math.log(1 - q);
        }
        return total;
    }

    private static double kl(float[] mu, float[] logvar, int base, int l) {
        double total = 0;
        for (int j = base; j < base + l; j++) {
            total += -0.5 * (1 + logvar[j] - mu[j] * mu[j] - Math.exp(logvar[j]));
        }
        return total;
    }

    static ScorerFactory factory() {
        return ScorerFactory.of(
                "vae-anomaly-scorer",
                "VAE anomaly score (higher = more anomalous): reconstruction, elbo, iwae, mahalanobis or combined",
                VaeModels.parametersWith(
                        ParameterSpec.choice(
                                "method",
                                "combined",
                                "how to score",
                                "reconstruction",
                                "elbo",
                                "iwae",
                                "mahalanobis",
                                "combined"),
                        ParameterSpec.optional(
                                        "samples", ParameterType.INTEGER, "16", "K, posterior draws per image for iwae")
                                .range(1, 10_000)),
                VaeAnomalyScorer::create);
    }

    private static Scorer create(Parameters p, PluginContext context) {
        Method method = Method.valueOf(p.getString("method").toUpperCase(Locale.ROOT));
        int k = p.getInt("samples");
        if (k < 1) {
            throw new GenpipeException("samples must be >= 1, got " + k);
        }
        VaeModels models = VaeModels.load(p, context, true, method != Method.MAHALANOBIS);
        if ((method == Method.MAHALANOBIS || method == Method.COMBINED) && models.stats == null) {
            throw new GenpipeException("method " + method.name().toLowerCase(Locale.ROOT) + " needs the training"
                    + " data's latent statistics, and model " + models.encoder.name() + " has none in its metadata ("
                    + VaeStats.MEAN + ", " + VaeStats.PRECISION + ", " + VaeStats.STATS + "; plugins/vae/train/"
                    + "train_vae.py shows how to export them); use method: reconstruction, elbo or iwae");
        }
        return new VaeAnomalyScorer(models, method, k, context.random("vae-anomaly-scorer/iwae"));
    }
}
