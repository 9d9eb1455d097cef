package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flagship's report.html as a reader sees it, in headless Chromium: per-class metrics in a table, the confusion
 * matrix as a shaded grid, rounded numbers; a screenshot of it goes to target/report.png (docs/report.png is one).
 */
@Tag("slow")
class ReportBrowserTest {

    private static Path chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        return null;
    }

    private static String browse(Path browser, Path profile, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                browser.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        return out;
    }

    @Test
    void theFlagshipReportReadsAsTablesAndAShadedConfusionMatrix(@TempDir Path dir) throws Exception {
        Path browser = chromium();
        if (browser == null && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("chromium is not installed; .ci/run installs Debian's chromium for this test");
        }
        Assumptions.assumeTrue(browser != null, "no chromium here (apt-get install chromium)");
        Path out = dir.resolve("run");
        Repo.Run run = Repo.genpipe(Map.of(), "run", "pipelines/anomaly-augment.yaml", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        String url = out.resolve("report.html").toUri().toString();

        String dom = browse(browser, dir.resolve("profile"), "--dump-dom", url);
        // the confusion matrix: a grid of 10 classes by 10, the diagonal (kept labels) shaded darkest in its row
        Matcher grid = Pattern.compile("<table class=\"grid\">(.*?)</table>", Pattern.DOTALL)
                .matcher(dom);
        assertTrue(grid.find(), dom);
        String confusion = grid.group(1);
        assertEquals(11, count(confusion, "<tr>"), confusion); // the header and one row per class
        Matcher cell = Pattern.compile("<tr><th>(\\d)</th>(.*?)</tr>").matcher(confusion);
        int rows = 0;
        while (cell.find()) {
            int label = Integer.parseInt(cell.group(1));
            Matcher td = Pattern.compile("<td style=\"background:rgb\\((\\d+),\\d+,255\\)\">(\\d*)</td>")
                    .matcher(cell.group(2));
            int column = 0;
            int darkest = -1;
            int shade = 256;
            while (td.find()) {
                if (Integer.parseInt(td.group(1)) < shade) {
                    shade = Integer.parseInt(td.group(1));
                    darkest = column;
                }
                column++;
            }
            assertEquals(10, column, cell.group());
            assertEquals(label, darkest, "class " + label + ": most generated images keep their label");
            rows++;
        }
        assertEquals(10, rows);
        // per-class values in one table, rounded for reading
        assertTrue(dom.contains("<th>class</th><th>flaggedPerClass</th><th>flaggedThresholds</th>"), dom);
        assertTrue(
                Pattern.compile("<td class=\"n\">\\d\\.\\d{1,3}</td>")
                        .matcher(dom)
                        .find(),
                "thresholds rounded");

        // each step's seconds, filled in from timings.js as the page opens (the page's own bytes do not change)
        Matcher seconds = Pattern.compile("<td class=\"n\" data-step=\"([^\"]+)\">([^<]*)</td>")
                .matcher(dom);
        int steps = 0;
        while (seconds.find()) {
            assertTrue(seconds.group(2).matches("\\d+\\.\\d{3}"), "step " + seconds.group(1) + ": " + seconds.group());
            steps++;
        }
        assertEquals(
                new ObjectMapper()
                        .readTree(out.resolve("run.json").toFile())
                        .get("steps")
                        .size(),
                steps,
                dom);

        Path shot = Path.of("target/report.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        browse(
                browser,
                dir.resolve("profile"),
                "--window-size=1100,1500",
                "--hide-scrollbars",
                "--screenshot=" + shot,
                url);
        BufferedImage png = ImageIO.read(shot.toFile());
        assertEquals(1100, png.getWidth());
        // the shaded cells show: many clearly blue pixels (white to rgb(100,100,255))
        int blue = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                int rgb = png.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (b > 240 && r < 140 && g < 140) {
                    blue++;
                }
            }
        }
        assertTrue(blue > 10 * 30 * 15, blue + " dark blue pixels: the diagonal of the confusion matrix");
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
