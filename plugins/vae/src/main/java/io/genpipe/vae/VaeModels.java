package io.genpipe.vae;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.spi.PluginContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The encoder / decoder pair a VAE component runs: the shipped models or the user's own, with
 * ports checked before anything runs. Either side may be absent when a component does not need it.
 */
final class VaeModels {

    static final String IMAGE = "image";
    static final PortSpec IMAGE_PORT = PortSpec.of(IMAGE, DType.FLOAT32, "batch", 1, 28, 28);
    static final String RESOURCES = "io/genpipe/vae/models/";

    static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.choice(
                    "variant",
                    "mlp",
                    "shipped model: mlp (the article's 784-400-20 VAE, all classes)"
                            + " or one-class (a conv VAE trained on one class)",
                    "mlp",
                    "one-class"),
            ParameterSpec.optional("class", ParameterType.INTEGER, null, "class 0-9 of the one-class model")
                    .range(0, 9),
            ParameterSpec.optional(
                    "encoder",
                    ParameterType.PATH,
                    null,
                    "your own encoder .onnx (image float32[batch,1,28,28] -> mu, logvar float32[batch,L])"),
            ParameterSpec.optional(
                    "decoder",
                    ParameterType.PATH,
                    null,
                    "your own decoder .onnx (z float32[batch,L] -> image float32[batch,1,28,28])"));

    final Model encoder;
    final Model decoder;
    final int latent;
    final VaeStats stats;

    private VaeModels(Model encoder, Model decoder, int latent, VaeStats stats) {
        this.encoder = encoder;
        this.decoder = decoder;
        this.latent = latent;
        this.stats = stats;
    }

    /** Parameters of a component that adds its own to the model selection. */
    static List<ParameterSpec> parametersWith(ParameterSpec... extra) {
        List<ParameterSpec> all = new ArrayList<>(PARAMETERS);
        all.addAll(List.of(extra));
        return List.copyOf(all);
    }

    static VaeModels load(Parameters p, PluginContext context, boolean needEncoder, boolean needDecoder) {
        String variant = p.getString("variant");
        String prefix;
        if (variant.equals("one-class")) {
            if (!p.has("class")) {
                throw new InvalidParameterException(
                        "class", "variant one-class needs class: 0-9 (the class the model was trained on)");
            }
            long c = p.getLong("class");
            if (c < 0 || c > 9) {
                throw new InvalidParameterException("class", "class must be 0-9 for variant one-class, got " + c);
            }
            prefix = RESOURCES + "one-class/one-class-" + c;
        } else {
            if (p.has("class")) {
                throw new InvalidParameterException(
                        "class", "class is for variant one-class; variant mlp covers all classes");
            }
            prefix = RESOURCES + "mlp-vae";
        }
        Model encoder = null;
        int latent = -1;
        VaeStats stats = null;
        if (needEncoder) {
            encoder = p.findPath("encoder")
                    .map(context::loadModel)
                    .orElseGet(() -> context.loadModel(prefix + "-encoder.onnx"));
            latent = fixedLatent(encoder.outputs(), "mu");
            Object size = latent > 0 ? (Object) latent : "L";
            encoder.requirePorts(
                    List.of(IMAGE_PORT),
                    List.of(
                            PortSpec.of("mu", DType.FLOAT32, "batch", size),
                            PortSpec.of("logvar", DType.FLOAT32, "batch", size)));
            if (latent < 0) {
                throw new GenpipeException("model " + encoder.name() + " does not fit: output port 'mu' needs a fixed"
                        + " latent size, found " + encoder.outputs());
            }
            stats = VaeStats.fromMetadata(encoder.metadata(), encoder.name(), latent);
        }
        Model decoder = null;
        if (needDecoder) {
            decoder = p.findPath("decoder")
                    .map(context::loadModel)
                    .orElseGet(() -> context.loadModel(prefix + "-decoder.onnx"));
            if (latent < 0) {
                latent = fixedLatent(decoder.inputs(), "z");
            }
            Object size = latent > 0 ? (Object) latent : "L";
            decoder.requirePorts(List.of(PortSpec.of("z", DType.FLOAT32, "batch", size)), List.of(IMAGE_PORT));
            if (latent < 0) {
                throw new GenpipeException("model " + decoder.name() + " does not fit: input port 'z' needs a fixed"
                        + " latent size, found " + decoder.inputs());
            }
        }
        return new VaeModels(encoder, decoder, latent, stats);
    }

    /** The fixed second dimension of the named rank-2 port, or -1. */
    private static int fixedLatent(List<PortSpec> ports, String name) {
        for (PortSpec port : ports) {
            if (port.name().equals(name)
                    && port.rank() == 2
                    && port.shape().get(1).isFixed()) {
                return (int) port.shape().get(1).size();
            }
        }
        return -1;
    }

    String describe() {
        return (encoder != null ? encoder.name() : "")
                + (encoder != null && decoder != null ? " + " : "")
                + (decoder != null ? decoder.name() : "");
    }
}
