package io.genpipe.runtime.step;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RowExpressionTest {

    private static final List<PortSpec> COLUMNS = List.of(
            PortSpec.of("image", DType.FLOAT32, "batch", 1, 28, 28),
            PortSpec.of("vae", DType.FLOAT64, "batch"),
            PortSpec.of("brightness", DType.FLOAT32, "batch", 1));

    /** 6 rows: labels 0..5 (row 5 has none), scores 0.5 * i, tag flagged on odd rows, vae = 10 - i. */
    private static Batch rows() {
        List<RowMeta> meta = new ArrayList<>();
        double[] vae = new double[6];
        float[] brightness = new float[6];
        for (int i = 0; i < 6; i++) {
            RowMeta m = new RowMeta(
                    "r-" + i, i == 5 ? null : i, "test", 0.5 * i, i % 2 == 1 ? Map.of("flagged", "true") : Map.of());
            meta.add(m);
            vae[i] = 10 - i;
            brightness[i] = i / 10f;
        }
        return Batch.builder(6)
                .column("vae", BufferTensor.ofDoubles(vae, 6))
                .column("brightness", BufferTensor.ofFloats(brightness, 6, 1))
                .meta(meta)
                .build();
    }

    private static List<Integer> matching(String text) {
        RowExpression e = RowExpression.parse(text);
        e.check(COLUMNS);
        List<Integer> out = new ArrayList<>();
        try (Batch b = rows()) {
            RowExpression.RowTest t = e.bind(b);
            for (int r = 0; r < b.rows(); r++) {
                if (t.test(r)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    @Test
    void selectsRowsByLabelScoreTagsAndColumns() {
        assertEquals(List.of(3), matching("label == 3"));
        assertEquals(List.of(1, 3), matching("label in [1, 3, 7]"));
        assertEquals(List.of(4), matching("label == 4 && score > 1.5"));
        assertEquals(List.of(0, 4, 5), matching("score < 0.5 || score >= 2"));
        assertEquals(List.of(1, 3, 5), matching("tags.flagged == \"true\""));
        assertEquals(List.of(0, 2, 4), matching("tags.flagged == null"));
        assertEquals(List.of(0, 1), matching("scores.vae > 8.5"));
        assertEquals(List.of(4, 5), matching("brightness >= 0.4"));
        assertEquals(List.of(5), matching("label == null"));
        assertEquals(List.of(0, 1, 2, 3, 4), matching("!(label == null)"));
        assertEquals(List.of(0, 2), matching("(label == 0 || label == 2) && source == 'test'"));
        // a missing label orders with nothing
        assertEquals(List.of(), matching("label > 4"));
        assertEquals(
                Set.of("vae", "brightness"),
                RowExpression.parse("scores.vae > 1 && brightness < 2").columns());
    }

    private static String problem(String text) {
        return assertThrows(
                        IllegalArgumentException.class,
                        () -> RowExpression.parse(text).check(COLUMNS))
                .getMessage();
    }

    @Test
    void namesTypesAndSyntaxAreCheckedWithWhereAndWhatWouldBeRight() {
        assertEquals(
                "unknown name 'lable'; did you mean 'label'?; rows carry id, source, label, score, tags.NAME, and the"
                        + " scalar columns brightness, vae (at column 1 of \"lable == 7\")",
                problem("lable == 7"));
        assertEquals(
                "no score column 'vea' (scores.STEP is the column scorer step STEP wrote); did you mean 'scores.vae'?;"
                        + " rows carry id, source, label, score, tags.NAME, and the scalar columns brightness, vae"
                        + " (at column 1 of \"scores.vea > 1\")",
                problem("scores.vea > 1"));
        assertEquals(
                "column 'image' is not a scalar (a number per row); rows carry id, source, label, score, tags.NAME, and"
                        + " the scalar columns brightness, vae (at column 1 of \"image > 0\")",
                problem("image > 0"));
        assertEquals(
                "label is a number but \"7\" is text; compare like with like, e.g. label == 7 (at column 7 of"
                        + " \"label == \"7\"\")",
                problem("label == \"7\""));
        assertEquals(
                "= compares nothing; write == to test equality (at column 7 of \"label = 7\")", problem("label = 7"));
        assertEquals(
                "the expression is a number, not true or false; compare it, e.g. label == 7 (at column 1 of \"label\")",
                problem("label"));
        assertEquals("expected ), found the end (at column 12 of \"(label == 7\")", problem("(label == 7"));
        assertEquals(
                "< orders numbers only; source is text (at column 8 of \"source < 'b'\")", problem("source < 'b'"));
        assertEquals(
                "label is a number but the list holds text (at column 7 of \"label in ['a']\")",
                problem("label in ['a']"));
    }
}
