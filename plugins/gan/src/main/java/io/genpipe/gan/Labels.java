package io.genpipe.gan;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import java.util.List;

/** Where a conditional GAN's class labels come from, and the label port. */
final class Labels {

    static final int CLASSES = 10;
    static final PortSpec PORT = PortSpec.of("label", DType.INT64, "batch");
    static final ParameterSpec PARAMETER = ParameterSpec.optional(
                    "label",
                    ParameterType.INTEGER,
                    null,
                    "class for every row (default: each row's own label, else one drawn per row from the seed)")
            .range(0, CLASSES - 1);

    private final Integer fixed;

    private Labels(Integer fixed) {
        this.fixed = fixed;
    }

    static Labels from(Parameters p) {
        if (!p.has("label")) {
            return new Labels(null);
        }
        long l = p.getLong("label");
        if (l < 0 || l >= CLASSES) {
            throw new InvalidParameterException("label", "label must be a class 0-" + (CLASSES - 1) + ", got " + l);
        }
        return new Labels((int) l);
    }

    /** Whether the model takes a label input (conditional); checks the port when it does. */
    static boolean conditional(Model model) {
        boolean has = model.inputs().stream().anyMatch(port -> port.name().equals("label"));
        if (has) {
            model.requirePorts(List.of(PORT), List.of());
        }
        return has;
    }

    /**
     * One label per row: the fixed one, else the row's own, else drawn per row id from {@code random}
     * (so batching does not change it); null when {@code random} is null and a row has none.
     */
    int[] resolve(Batch batch, RandomSource random) {
        int[] labels = new int[batch.rows()];
        for (int r = 0; r < labels.length; r++) {
            RowMeta m = batch.meta(r);
            if (fixed != null) {
                labels[r] = fixed;
            } else if (m.label() != null) {
                labels[r] = m.label();
            } else if (random != null) {
                labels[r] = random.fork(m.id()).nextInt(CLASSES);
            } else {
                throw new GenpipeException("row " + m.id() + " has no label; give the rows labels or set label:");
            }
            if (labels[r] < 0 || labels[r] >= CLASSES) {
                throw new GenpipeException(
                        "row " + m.id() + " has label " + labels[r] + "; this GAN knows classes 0-" + (CLASSES - 1));
            }
        }
        return labels;
    }

    static BufferTensor tensor(int[] labels) {
        long[] l = new long[labels.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = labels[i];
        }
        return BufferTensor.ofLongs(l, l.length);
    }
}
