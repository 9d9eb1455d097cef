package io.genpipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.runtime.Genpipe;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The playground page in a real browser: Debian's headless Chromium loads {@code /} from a running
 * server, the page lists the models, generates 16 images (its autorun query), and the DOM Chromium
 * dumps must hold 16 PNG images and the status line; a screenshot of the same page is written to
 * target/playground.png (docs/serve-playground.png is one of them). Without Chromium the test is
 * skipped with the reason, except under CI (CI=true), where {@code .ci/run} installs it and its
 * absence fails.
 */
@Tag("slow")
class PlaygroundBrowserTest {

    static Path chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        return null;
    }

    static String browse(Path browser, Path profile, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                browser.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                "--virtual-time-budget=20000"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        return out;
    }

    @Test
    void thePlaygroundGeneratesImagesInHeadlessChromium(@TempDir Path dir) throws Exception {
        Path browser = chromium();
        if (browser == null && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("chromium is not installed; .ci/run installs Debian's chromium for this test");
        }
        Assumptions.assumeTrue(
                browser != null,
                "no chromium here (apt-get install chromium); the playground test needs a real browser");
        Path file = dir.resolve("serve.yaml");
        Files.writeString(
                file,
                "port: 0\nmodels:\n  - name: gan\n    use: gan-generator\n  - name: vae-score\n"
                        + "    use: vae-anomaly-scorer\n  - name: gpt\n    use: gpt-generator\n    with: {maxTokens: 40}\n");
        try (Genpipe genpipe = Genpipe.builder().baseDir(dir).build();
                GenpipeServer server = GenpipeServer.start(new ServeConfigReader().read(file), genpipe)) {
            String url = "http://127.0.0.1:" + server.port() + "/?autorun=1&model=gan&seed=3&label=9&rows=16";
            String dom = browse(browser, dir.resolve("profile"), "--dump-dom", url);
            assertTrue(dom.contains("data-generated=\"16\""), dom);
            Matcher img = Pattern.compile(
                            "<img class=\"sample\" alt=\"sample \\d+\" src=\"data:image/png;base64,[A-Za-z0-9+/=]{100,}\">")
                    .matcher(dom);
            int images = 0;
            while (img.find()) {
                images++;
            }
            assertEquals(16, images, dom);
            assertTrue(dom.contains("16 images in "), dom);
            assertTrue(dom.contains("row 15, class 9"), dom);
            assertTrue(
                    dom.contains("<option value=\"vae-score\">vae-score (vae-anomaly-scorer, scorer)</option>"), dom);
            // a scorer: images a served generator makes (the GAN, seed 3, 8 rows) scored by the VAE, each shown
            // with the score the API gives for the same PNG
            String scoreUrl =
                    "http://127.0.0.1:" + server.port() + "/?autorun=1&model=vae-score&source=gan&seed=3&rows=8";
            String scored = browse(browser, dir.resolve("profile"), "--dump-dom", scoreUrl);
            assertTrue(scored.contains("data-scored=\"8\""), scored);
            assertTrue(scored.contains("8 images scored in "), scored);
            Matcher shownScores = Pattern.compile(
                            "<img class=\"scored\" alt=\"image (\\d+)\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\">"
                                    + "<figcaption class=\"score\">score (-?[0-9.]+)</figcaption>")
                    .matcher(scored);
            int scoredImages = 0;
            while (shownScores.find()) {
                HttpResponse<String> one = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(
                                                "http://127.0.0.1:" + server.port() + "/v2/models/vae-score/infer"))
                                        .POST(BodyPublishers.ofString(
                                                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1],"
                                                        + " \"datatype\": \"BYTES\", \"data\": [\""
                                                        + shownScores.group(2) + "\"]}]}"))
                                        .build(),
                                BodyHandlers.ofString());
                double want = InferenceCodec.JSON
                        .readTree(one.body())
                        .at("/outputs/0/data/0")
                        .asDouble();
                assertEquals(
                        String.format(Locale.ROOT, "%.3f", want),
                        shownScores.group(3),
                        "image " + shownScores.group(1));
                scoredImages++;
            }
            assertEquals(8, scoredImages, scored);
            // a text generator: the continuation streams into the page, and is what /generate answers
            String textUrl = "http://127.0.0.1:" + server.port() + "/?autorun=1&model=gpt&seed=7&prompt=The%20ship%20";
            HttpResponse<String> whole = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + server.port() + "/v2/models/gpt/generate"))
                                    .POST(BodyPublishers.ofString(
                                            "{\"text_input\": \"The ship \", \"parameters\": {\"seed\": 7}}"))
                                    .build(),
                            BodyHandlers.ofString());
            String full = "The ship "
                    + InferenceCodec.JSON
                            .readTree(whole.body())
                            .get("text_output")
                            .asText();
            // headless Chromium dumps the page while the text is still streaming in (its virtual time does not
            // wait for an open stream): what is shown must be the prompt and a first part of the same continuation
            String shown = null;
            for (int attempt = 0; attempt < 3 && (shown == null || shown.length() <= "The ship ".length()); attempt++) {
                Matcher pre = Pattern.compile("<pre id=\"text\">([^<]*)</pre>")
                        .matcher(browse(browser, dir.resolve("profile"), "--dump-dom", textUrl));
                assertTrue(pre.find(), "no text shown");
                shown = pre.group(1)
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&amp;", "&");
            }
            assertTrue(
                    shown.length() > "The ship ".length() && full.startsWith(shown),
                    "shown '" + shown + "', whole '" + full + "'");
            Path shot = Path.of("target/playground.png").toAbsolutePath();
            Files.deleteIfExists(shot);
            browse(
                    browser,
                    dir.resolve("profile"),
                    "--window-size=1000,640",
                    "--hide-scrollbars",
                    "--screenshot=" + shot,
                    url);
            BufferedImage png = ImageIO.read(shot.toFile());
            assertEquals(1000, png.getWidth());
            assertEquals(640, png.getHeight());
        }
    }
}
