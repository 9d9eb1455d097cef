package io.genpipe.runtime.report;

import io.genpipe.api.GenpipeException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Charts in genpipe's reports (JFreeChart): one look for every plot, written as PNG. */
public final class Charts {

    private Charts() {}

    /** A ROC curve PNG from scores and positives; used by the auroc step when asked to plot. */
    public static void roc(List<double[]> curves, List<String> names, Path file) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (int i = 0; i < curves.size(); i++) {
            XYSeries s = new XYSeries(names.get(i), false);
            double[] c = curves.get(i);
            for (int k = 0; k + 1 < c.length; k += 2) {
                s.add(c[k], c[k + 1]);
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(
                "ROC",
                "false positive rate",
                "true positive rate",
                data,
                PlotOrientation.VERTICAL,
                curves.size() > 1,
                false,
                false);
        style(chart);
        save(chart, file);
    }

    public static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        if (chart.getPlot() instanceof XYPlot) {
            XYPlot plot = (XYPlot) chart.getPlot();
            plot.setBackgroundPaint(new Color(248, 248, 248));
            plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            for (int i = 0; i < plot.getSeriesCount(); i++) {
                plot.getRenderer().setSeriesStroke(i, new BasicStroke(1.5f));
            }
            if (plot.getRenderer() instanceof XYBarRenderer bars) {
                // flat bars in the series' own colour: no gradient, no shadow (a bar reads as its height)
                bars.setBarPainter(new StandardXYBarPainter());
                bars.setShadowVisible(false);
            }
        }
    }

    public static void save(JFreeChart chart, Path file) {
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, 720, 420);
        } catch (IOException e) {
            throw new GenpipeException("cannot write plot " + file + ": " + e.getMessage(), e);
        }
    }
}
