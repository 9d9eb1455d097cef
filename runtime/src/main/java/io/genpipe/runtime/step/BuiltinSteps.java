package io.genpipe.runtime.step;

import io.genpipe.runtime.step.eval.AccuracyEval;
import io.genpipe.runtime.step.eval.AurocEval;
import io.genpipe.runtime.step.eval.FrechetDistanceEval;
import io.genpipe.runtime.step.eval.NoveltyEval;
import io.genpipe.runtime.step.sink.CsvSink;
import io.genpipe.runtime.step.sink.HistogramSink;
import io.genpipe.runtime.step.sink.IdxSink;
import io.genpipe.runtime.step.sink.ImageGridSink;
import io.genpipe.runtime.step.sink.JsonlSink;
import io.genpipe.runtime.step.sink.PngSink;
import io.genpipe.runtime.step.sink.ReportSink;
import io.genpipe.runtime.step.sink.SpectrogramSink;
import io.genpipe.runtime.step.sink.TextSink;
import io.genpipe.runtime.step.sink.WavSink;
import io.genpipe.runtime.step.source.CsvSource;
import io.genpipe.runtime.step.source.IdxSource;
import io.genpipe.runtime.step.source.JsonlSource;
import io.genpipe.runtime.step.source.PngSource;
import io.genpipe.runtime.step.source.TextSource;
import io.genpipe.runtime.step.source.WavSource;
import io.genpipe.runtime.step.transform.Concat;
import io.genpipe.runtime.step.transform.Count;
import io.genpipe.runtime.step.transform.Filter;
import io.genpipe.runtime.step.transform.FlagQuantile;
import io.genpipe.runtime.step.transform.Gate;
import io.genpipe.runtime.step.transform.Interpolate;
import io.genpipe.runtime.step.transform.Refill;
import io.genpipe.runtime.step.transform.Relabel;
import io.genpipe.runtime.step.transform.Repeat;
import io.genpipe.runtime.step.transform.Route;
import io.genpipe.runtime.step.transform.Sample;
import io.genpipe.runtime.step.transform.SelectColumns;
import io.genpipe.runtime.step.transform.Take;
import io.genpipe.runtime.step.transform.TakePerClass;
import io.genpipe.runtime.step.transform.Threshold;
import io.genpipe.runtime.step.transform.TopK;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The built-in steps, one class each under {@code step.source}, {@code step.transform},
 * {@code step.eval} and {@code step.sink}. The runtime contributes them to its catalog through
 * Guice, beside the plugins' components; this list is their order in listings.
 */
public final class BuiltinSteps {

    private BuiltinSteps() {}

    /** Every built-in step's definition, in listing order. */
    public static List<BuiltinStep> definitions() {
        List<BuiltinStep> found = cached;
        if (found == null) {
            List<BuiltinStep> all = new ArrayList<>(own());
            Iterator<StepProvider> providers = ServiceLoader.load(
                            StepProvider.class, BuiltinSteps.class.getClassLoader())
                    .iterator();
            while (true) {
                try {
                    if (!providers.hasNext()) {
                        break;
                    }
                    all.addAll(providers.next().steps());
                } catch (ServiceConfigurationError | LinkageError missing) {
                    // a provider whose libraries are not on the class path (genpipe-spark without Spark's Parquet
                    // and Hadoop) provides nothing here
                }
            }
            found = List.copyOf(all);
            cached = found;
        }
        return found;
    }

    private static volatile List<BuiltinStep> cached;

    private static List<BuiltinStep> own() {
        return List.of(
                IdxSource.definition(),
                Take.definition(),
                Relabel.definition(),
                Interpolate.definition(),
                FlagQuantile.definition(),
                Filter.definition(),
                Route.definition(),
                Refill.definition(),
                Gate.definition(),
                TakePerClass.definition(),
                Repeat.definition(),
                SelectColumns.definition(),
                Count.definition(),
                Concat.definition(),
                IdxSink.definition(),
                PngSource.definition(),
                Threshold.definition(),
                TopK.definition(),
                Sample.definition(),
                PngSink.definition(),
                CsvSink.definition(),
                CsvSource.definition(),
                JsonlSource.definition(),
                TextSource.definition(),
                TextSink.definition(),
                NoveltyEval.definition(),
                AurocEval.definition(),
                AccuracyEval.definition(),
                FrechetDistanceEval.definition(),
                ImageGridSink.definition(),
                JsonlSink.definition(),
                HistogramSink.definition(),
                WavSource.definition(),
                WavSink.definition(),
                SpectrogramSink.definition(),
                ReportSink.definition());
    }

    /** All built-in steps by name, in listing order. */
    public static Map<String, BuiltinStep> all() {
        Map<String, BuiltinStep> steps = new LinkedHashMap<>();
        for (BuiltinStep s : definitions()) {
            steps.put(s.name(), s);
        }
        return steps;
    }
}
