package io.genpipe.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Renders the GAN's training curves (discriminator and generator loss, label fidelity per epoch)
 * from plugins/gan/train/card.json to plugins/gan/training-curves.png, for the model card.
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=GanTrainingCurves</pre>
 */
public final class GanTrainingCurves {

    public static void main(String[] args) throws Exception {
        JsonNode card = new ObjectMapper()
                .readTree(Path.of("plugins/gan/train/card.json").toFile());
        XYSeries d = new XYSeries("discriminator loss");
        XYSeries g = new XYSeries("generator loss");
        XYSeries fidelity = new XYSeries("label fidelity (classifier accuracy on 1000 generated)");
        for (JsonNode e : card.get("history")) {
            int epoch = e.get("epoch").asInt();
            d.add(epoch, e.get("d_loss").asDouble());
            g.add(epoch, e.get("g_loss").asDouble());
            fidelity.add(epoch, e.get("label_fidelity").asDouble());
        }
        XYSeriesCollection losses = new XYSeriesCollection();
        losses.addSeries(d);
        losses.addSeries(g);
        JFreeChart chart = ChartFactory.createXYLineChart(
                "Conditional DCGAN training on Fashion-MNIST",
                "epoch",
                "BCE loss",
                losses,
                PlotOrientation.VERTICAL,
                true,
                false,
                false);
        XYPlot plot = chart.getXYPlot();
        plot.setRenderer(0, new XYLineAndShapeRenderer(true, true));
        plot.setDataset(1, new XYSeriesCollection(fidelity));
        NumberAxis right = new NumberAxis("label fidelity");
        right.setRange(0.5, 1.0);
        plot.setRangeAxis(1, right);
        plot.mapDatasetToRangeAxis(1, 1);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        r.setSeriesPaint(0, new Color(0, 130, 0));
        r.setSeriesStroke(0, new BasicStroke(2f));
        plot.setRenderer(1, r);
        chart.setBackgroundPaint(Color.WHITE);
        plot.setBackgroundPaint(new Color(248, 248, 248));
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        Path out = Path.of("plugins/gan/training-curves.png");
        ChartUtils.saveChartAsPNG(out.toFile(), chart, 760, 420);
        System.out.println("wrote " + out);
    }
}
