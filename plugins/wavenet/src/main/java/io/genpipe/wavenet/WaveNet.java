package io.genpipe.wavenet;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.spi.PluginContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The shipped WaveNet's two graphs and their checks. The full graph ({@code wavenet.onnx}) maps
 * &mu;-law classes {@code tokens} int64[batch,samples] to {@code logits} float32[batch,samples,256],
 * logits at t predicting the class at t + 1. The step graph ({@code wavenet-step.onnx}, made from
 * the same weights by {@code train/export_wavenet.py}) takes one {@code token} int64[batch,1] and,
 * for each of the 16 dilated layers, that layer's last d inputs {@code state_i}
 * float32[batch,32,d_i] (oldest first; zeros before the start, as the full graph's causal padding),
 * and returns {@code logits} float32[batch,256] and the queues moved on by one, {@code state_out_i}.
 */
final class WaveNet {

    static final String FULL = "io/genpipe/wavenet/models/wavenet.onnx";
    static final String STEP = "io/genpipe/wavenet/models/wavenet-step.onnx";
    static final int CHANNELS = 32;

    static final PortSpec AUDIO = PortSpec.of("audio", DType.FLOAT32, "batch", "samples");
    static final PortSpec LENGTH = PortSpec.of("length", DType.INT64, "batch");

    static final ParameterSpec MODEL = ParameterSpec.optional(
            "model",
            ParameterType.PATH,
            null,
            "your own full-sequence WaveNet: tokens int64[batch,samples] -> logits float32[batch,samples,256] (default: the shipped one)");
    static final ParameterSpec STEP_MODEL = ParameterSpec.optional(
            "stepModel",
            ParameterType.PATH,
            null,
            "your own one-sample step graph: token int64[batch,1], state_i float32[batch,32,d_i] -> logits float32[batch,256],"
                    + " state_out_i; its metadata genpipe.dilations lists d_i (made by train/export_wavenet.py)");

    private WaveNet() {}

    /** The full-sequence graph: {@code model:} or the shipped one, its ports checked. */
    static Model full(Parameters p, PluginContext context) {
        Model m = p.findPath("model").map(context::loadModel).orElseGet(() -> context.loadModel(FULL));
        m.requirePorts(
                List.of(PortSpec.of("tokens", DType.INT64, "batch", "samples")),
                List.of(PortSpec.of("logits", DType.FLOAT32, "batch", "samples", MuLaw.CLASSES)));
        return m;
    }

    /** How many samples the full graph's outputs depend on (its metadata; 0 when not recorded). */
    static int receptiveField(Model full) {
        String v = full.metadata().get("genpipe.receptive_field");
        if (v == null) {
            return 0;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new GenpipeException(
                    "model " + full.name() + ": metadata genpipe.receptive_field must be a number, found '" + v + "'");
        }
    }

    /**
     * One queue the step graph carries from step to step: fed as {@code in}, returned moved on by one as
     * {@code out}, float32[batch, ...dims].
     */
    record State(String in, String out, long[] dims) {}

    /** A loaded step graph and the queues it carries. */
    record StepGraph(Model model, List<State> states) {}

    /**
     * The step graph: {@code stepModel:} or the shipped one. With your own {@code model:}, the step
     * graph must be given too and must have been made from it ({@code genpipe.full_model_sha256}).
     * Two layouts of its queues are read from its metadata: one per layer ({@code state_i}
     * float32[batch,32,d_i], d_i listed in {@code genpipe.dilations}), or, with {@code
     * genpipe.step.state_layout = packed-per-stack}, one per stack ({@code state_k} float32[batch,32*S_k], S_k the
     * sum of stack k's dilations, the stacks listed in {@code genpipe.step.stacks}, separated by ';').
     */
    static StepGraph step(Parameters p, PluginContext context, Model full) {
        Model step;
        if (p.findPath("stepModel").isPresent()) {
            step = context.loadModel(p.findPath("stepModel").get());
        } else if (p.findPath("model").isPresent()) {
            throw new InvalidParameterException(
                    "stepModel",
                    "with your own model:, the generator needs stepModel: too (its step graph,"
                            + " made by train/export_wavenet.py), or state: recompute");
        } else {
            step = context.loadModel(STEP);
        }
        boolean packed = "packed-per-stack".equals(step.metadata().get("genpipe.step.state_layout"));
        String key = packed ? "genpipe.step.stacks" : "genpipe.dilations";
        String listed = step.metadata().get(key);
        if (listed == null) {
            throw new GenpipeException("step model " + step.name() + " has no " + key + " metadata (the dilation of"
                    + " each layer, e.g. 1,2,4,...); make it with train/export_wavenet.py");
        }
        List<State> states = new ArrayList<>();
        String[] groups = packed ? listed.split(";") : listed.split(",");
        for (int k = 0; k < groups.length; k++) {
            long size = 0;
            for (String d : packed ? groups[k].split(",") : new String[] {groups[k]}) {
                int dilation;
                try {
                    dilation = Integer.parseInt(d.trim());
                } catch (NumberFormatException e) {
                    throw new GenpipeException("step model " + step.name() + ": metadata " + key
                            + " must list whole numbers, found '" + listed + "'");
                }
                if (dilation < 1 || dilation > 65_536) {
                    throw new GenpipeException(
                            "step model " + step.name() + ": dilation " + dilation + " is out of range (1..65536)");
                }
                size += dilation;
            }
            states.add(new State(
                    "state_" + k,
                    "state_out_" + k,
                    packed ? new long[] {CHANNELS * size} : new long[] {CHANNELS, size}));
        }
        List<PortSpec> in = new ArrayList<>();
        List<PortSpec> out = new ArrayList<>();
        in.add(PortSpec.of("token", DType.INT64, "batch", 1));
        out.add(PortSpec.of("logits", DType.FLOAT32, "batch", MuLaw.CLASSES));
        for (State st : states) {
            in.add(PortSpec.of(st.in(), DType.FLOAT32, shape(st.dims())));
            out.add(PortSpec.of(st.out(), DType.FLOAT32, shape(st.dims())));
        }
        step.requirePorts(in, out);
        if (full != null) {
            String madeFrom = step.metadata().get("genpipe.full_model_sha256");
            if (!full.sha256().equals(madeFrom)) {
                throw new GenpipeException("step model " + step.name() + " was made from a model of sha256 "
                        + (madeFrom == null ? "(not recorded: no genpipe.full_model_sha256 in its metadata)" : madeFrom)
                        + ", not from model " + full.name() + " (" + full.sha256()
                        + "); make it with train/export_wavenet.py");
            }
        }
        return new StepGraph(step, List.copyOf(states));
    }

    /** "batch" followed by {@code dims}, as PortSpec.of takes dimensions. */
    private static Object[] shape(long[] dims) {
        Object[] all = new Object[dims.length + 1];
        all[0] = "batch";
        for (int i = 0; i < dims.length; i++) {
            all[i + 1] = dims[i];
        }
        return all;
    }

    /** Each row's valid length: its {@code length} column, or the full width without one. */
    static long[] lengths(Batch batch, int width) {
        long[] length = new long[batch.rows()];
        if (batch.hasColumn("length")) {
            long[] l = batch.column("length").toLongArray();
            for (int r = 0; r < length.length; r++) {
                if (l[r] < 0 || l[r] > width) {
                    throw new GenpipeException("row " + batch.meta(r).id() + ": length " + l[r]
                            + " is outside its audio row of " + width + " samples");
                }
                length[r] = l[r];
            }
        } else {
            Arrays.fill(length, width);
        }
        return length;
    }
}
