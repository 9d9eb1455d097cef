package io.genpipe.runtime.audio;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.image.ImageGrid;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Short-time Fourier magnitude of mono audio, and a PNG of one or more clips' spectrograms drawn
 * with Java2D: time left to right, frequency bottom to top up to the Nyquist frequency, level in
 * dB over an 80 dB range below the loudest bin of all the clips (so clips are comparable).
 */
public final class Spectrogram {

    /** Dynamic range shown, dB. */
    static final double RANGE_DB = 80;

    private Spectrogram() {}

    /**
     * |STFT| in dB: frames of {@code window} samples (a power of two) every {@code hop} samples,
     * Hann-windowed; result[frame][bin] for bins 0 .. window/2.
     */
    public static double[][] decibels(float[] x, int from, int length, int window, int hop) {
        if (Integer.bitCount(window) != 1 || window < 8) {
            throw new GenpipeException("spectrogram window must be a power of two of at least 8, found " + window);
        }
        int frames = Math.max(1, 1 + (length - window + hop - 1) / hop);
        double[][] out = new double[frames][window / 2 + 1];
        double[] re = new double[window];
        double[] im = new double[window];
        double[] hann = new double[window];
        for (int i = 0; i < window; i++) {
            hann[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / window);
        }
        for (int f = 0; f < frames; f++) {
            for (int i = 0; i < window; i++) {
                int t = f * hop + i;
                re[i] = t < length ? x[from + t] * hann[i] : 0;
                im[i] = 0;
            }
            fft(re, im);
            for (int k = 0; k <= window / 2; k++) {
                double power = re[k] * re[k] + im[k] * im[k];
                out[f][k] = 10 * Math.log10(power + 1e-12);
            }
        }
        return out;
    }

    /** In-place radix-2 FFT. */
    static void fft(double[] re, double[] im) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double angle = -2 * Math.PI / len;
            for (int i = 0; i < n; i += len) {
                for (int k = 0; k < len / 2; k++) {
                    double c = Math.cos(angle * k);
                    double s = Math.sin(angle * k);
                    int a = i + k;
                    int b = a + len / 2;
                    double xr = re[b] * c - im[b] * s;
                    double xi = re[b] * s + im[b] * c;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
    }

    /** One clip to draw: its title and its spectrogram (from {@link #decibels}). */
    public record Panel(String title, double[][] decibels) {}

    /**
     * Draws the panels one under another, each with its title, a kHz axis and a seconds axis, and
     * writes the PNG to a temporary name moved into place (no partial file is ever left).
     */
    public static void write(List<Panel> panels, int sampleRate, int hop, String title, Path file) {
        double max = -Double.MAX_VALUE;
        int frames = 1;
        for (Panel p : panels) {
            frames = Math.max(frames, p.decibels().length);
            for (double[] row : p.decibels()) {
                for (double v : row) {
                    max = Math.max(max, v);
                }
            }
        }
        int bins = panels.isEmpty() ? 129 : panels.get(0).decibels()[0].length;
        int cellW = Math.max(1, Math.min(4, 900 / frames));
        int plotW = frames * cellW;
        int plotH = Math.max(bins, 128);
        int left = 52;
        int top = 34;
        int panelH = plotH + 44;
        int width = left + plotW + 16;
        int height = top + Math.max(1, panels.size()) * panelH + 8;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, left, 20);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int i = 0; i < panels.size(); i++) {
                Panel p = panels.get(i);
                int y0 = top + i * panelH + 14;
                g.setColor(Color.BLACK);
                g.drawString(p.title(), left, y0 - 3);
                double[][] db = p.decibels();
                for (int f = 0; f < db.length; f++) {
                    for (int y = 0; y < plotH; y++) {
                        int k = (int) ((long) (plotH - 1 - y) * (bins - 1) / Math.max(1, plotH - 1));
                        double level = Math.max(0, Math.min(1, (db[f][k] - (max - RANGE_DB)) / RANGE_DB));
                        g.setColor(new Color(color(level)));
                        g.fillRect(left + f * cellW, y0 + y, cellW, 1);
                    }
                }
                g.setColor(Color.DARK_GRAY);
                g.drawRect(left - 1, y0 - 1, plotW + 1, plotH + 1);
                double nyquist = sampleRate / 2.0;
                for (int khz = 0; khz * 1000 <= nyquist; khz++) {
                    int y = y0 + plotH - 1 - (int) Math.round(khz * 1000 / nyquist * (plotH - 1));
                    g.drawLine(left - 4, y, left - 1, y);
                    g.drawString(khz + " kHz", 4, y + 4);
                }
                double secondsPerPixel = hop / (double) sampleRate / cellW;
                double step = plotW * secondsPerPixel > 2 ? 0.5 : 0.25;
                for (double s = 0; s <= plotW * secondsPerPixel + 1e-9; s += step) {
                    int x = left + (int) Math.round(s / secondsPerPixel);
                    g.drawLine(x, y0 + plotH + 1, x, y0 + plotH + 4);
                    g.drawString(String.format(Locale.ROOT, "%.2f s", s), x - 12, y0 + plotH + 16);
                }
            }
        } finally {
            g.dispose();
        }
        ImageGrid.writePng(img, file, "spectrogram");
    }

    /** A dark-blue, magenta, orange, pale-yellow ramp (perceptually ordered, readable in gray). */
    static int color(double v) {
        double[][] stops = {
            {0, 0, 0, 4}, {0.25, 60, 15, 110}, {0.5, 180, 55, 120}, {0.75, 250, 140, 60}, {1, 252, 253, 191}
        };
        for (int i = 1; i < stops.length; i++) {
            if (v <= stops[i][0]) {
                double t = (v - stops[i - 1][0]) / (stops[i][0] - stops[i - 1][0]);
                int r = (int) Math.round(stops[i - 1][1] + t * (stops[i][1] - stops[i - 1][1]));
                int gr = (int) Math.round(stops[i - 1][2] + t * (stops[i][2] - stops[i - 1][2]));
                int b = (int) Math.round(stops[i - 1][3] + t * (stops[i][3] - stops[i - 1][3]));
                return r << 16 | gr << 8 | b;
            }
        }
        return 252 << 16 | 253 << 8 | 191;
    }
}
