package io.genpipe.testkit;

/** Source of a plugin whose components each break one role contract, for the kit's own tests. */
final class MisbehavingPlugin {

    private MisbehavingPlugin() {}

    static final String SOURCE = """
            package bad;
            import io.genpipe.api.*;
            import io.genpipe.api.data.*;
            import io.genpipe.api.spi.*;
            import java.util.*;
            public final class BadPlugin implements GenpipePlugin {
              static final List<PortSpec> X = List.of(PortSpec.of("x", DType.FLOAT32, "batch", 4));
              static final List<PortSpec> SCORE = List.of(PortSpec.of("score", DType.FLOAT64, "batch"));
              static double[] sums(Batch b) {
                float[] x = b.column("x").toFloatArray();
                double[] s = new double[b.rows()];
                for (int i = 0; i < x.length; i++) s[i / 4] += x[i];
                return s;
              }
              interface Body { double[] score(Batch b); }
              static ScorerFactory scorer(String name, List<ParameterSpec> params, java.util.function.Function<PluginContext, Body> body) {
                return new ScorerFactory() {
                  public String name() { return name; }
                  public String description() { return name; }
                  public List<ParameterSpec> parameters() { return params; }
                  public Scorer create(Parameters p, PluginContext c) {
                    Body b = body.apply(c);
                    return new Scorer() {
                      public List<PortSpec> inputs() { return X; }
                      public List<PortSpec> outputs() { return SCORE; }
                      public String quantity() { return "sum"; }
                      public ScoreDirection direction() { return ScoreDirection.HIGHER_IS_MORE; }
                      public double[] score(Batch batch) { return b.score(batch); }
                    };
                  }
                };
              }
              public List<ScorerFactory> scorers() {
                return List.of(
                  scorer("good", List.of(ParameterSpec.optional("k", ParameterType.INTEGER, "1", "k").range(1, 9),
                      ParameterSpec.optional("t", ParameterType.NUMBER, "0", "t").range(0, Double.POSITIVE_INFINITY)),
                      c -> BadPlugin::sums),
                  scorer("flaky", List.of(), c -> {
                    long[] calls = {0};
                    return b -> { double[] s = sums(b); s[0] += calls[0]++; return s; };
                  }),
                  scorer("batchy", List.of(), c -> b -> {
                    double[] s = sums(b);
                    double mean = Arrays.stream(s).average().orElse(0);
                    for (int i = 0; i < s.length; i++) s[i] -= mean;
                    return s;
                  }),
                  scorer("ordered", List.of(), c -> b -> {
                    double[] s = sums(b);
                    for (int i = 0; i < s.length; i++) s[i] += 0.5 * i;
                    return s;
                  }),
                  scorer("racy", List.of(), c -> {
                    double[] shared = {0};
                    return b -> {
                      double[] s = sums(b);
                      double[] out = new double[s.length];
                      for (int i = 0; i < s.length; i++) {
                        shared[0] = s[i];
                        try { Thread.sleep(3); } catch (InterruptedException e) { throw new RuntimeException(e); }
                        out[i] = shared[0];
                      }
                      return out;
                    };
                  }),
                  scorer("lenient", List.of(ParameterSpec.optional("k", ParameterType.INTEGER, "1", "any k")),
                      c -> BadPlugin::sums),
                  scorer("leaky", List.of(), c -> {
                    Model m = c.loadModel("fixtures/affine.onnx");
                    return b -> {
                      ModelOutputs out = m.run(Map.of("x", b.column("x")));   // never closed
                      float[] f = out.get("s").toFloatArray();
                      double[] s = new double[f.length];
                      for (int i = 0; i < f.length; i++) s[i] = f[i];
                      return s;
                    };
                  }));
              }
              public List<EncoderFactory> encoders() {
                return List.of(new EncoderFactory() {
                  public String name() { return "labeller"; }
                  public String description() { return "an encoder that changes the rows' labels"; }
                  public Encoder create(Parameters p, PluginContext c) {
                    return new Encoder() {
                      public List<PortSpec> inputs() { return X; }
                      public List<PortSpec> outputs() { return List.of(PortSpec.of("y", DType.FLOAT32, "batch", 4)); }
                      public Batch encode(Batch b) {
                        List<RowMeta> meta = new ArrayList<>();
                        for (RowMeta m : b.meta()) meta.add(m.withLabel(7));
                        return Batch.builder(b.rows()).meta(meta)
                            .column("y", BufferTensor.ofFloats(b.column("x").toFloatArray(), b.rows(), 4)).build();
                      }
                    };
                  }
                });
              }
              public List<GeneratorFactory> generators() {
                return List.of(new GeneratorFactory() {
                  public String name() { return "undeclared"; }
                  public String description() { return "writes a column it does not declare"; }
                  public Generator create(Parameters p, PluginContext c) {
                    return new Generator() {
                      public List<PortSpec> inputs() { return X; }
                      public List<PortSpec> outputs() { return List.of(PortSpec.of("y", DType.FLOAT32, "batch", 4)); }
                      public Batch generate(Batch b, RandomSource r) {
                        float[] x = b.column("x").toFloatArray();
                        return Batch.builder(b.rows()).meta(b.meta())
                            .column("y", BufferTensor.ofFloats(x.clone(), b.rows(), 4))
                            .column("extra", BufferTensor.ofFloats(x.clone(), b.rows(), 4)).build();
                      }
                    };
                  }
                });
              }
            }
            """;
}
