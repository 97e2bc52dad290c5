package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.data.Digits;
import dev.backstream.data.LabeledRow;
import dev.backstream.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard ({@code GET /}) in a real headless Chromium, driven by Selenium, on an application learning from a
 * real broker: the model's card appears, its learning curve grows while samples are learned, the numbers it shows
 * are those of {@code GET /models} once learning stops, and a reload starts from the history.
 *
 * <p>Chromium and its driver are Debian's ({@code apt-get install chromium chromium-driver}; {@code .ci/run} installs
 * them). Without them the test fails: it is not skipped, so a CI without a browser cannot pass silently. Other paths
 * can be given with {@code -Ddashboard.chromium=...} and {@code -Ddashboard.chromedriver=...}.
 */
@DisplayName("The dashboard in a real browser")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DashboardIT extends WithEmbeddedBroker {
    private static final Path CHROMIUM = Path.of(System.getProperty("dashboard.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("dashboard.chromedriver", "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Selenium warns that it has no DevTools protocol classes for this Chromium; the test uses WebDriver only. */
    private static final java.util.logging.Logger CDP_WARNING = java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");
    private static final int XOR_PER_BATCH = 1000;

    @TempDir
    Path work;

    private ChromeDriver browser;

    @BeforeEach
    void startBrowser() {
        CDP_WARNING.setLevel(java.util.logging.Level.OFF);
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the browser test needs Chromium and its driver at " + CHROMIUM + " and " + CHROMEDRIVER
                        + ": apt-get install -y chromium chromium-driver (.ci/run does)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + work.resolve("chromium"), "--window-size=1280,800");
        // the driver named explicitly: Selenium Manager never downloads anything
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void showsEachModelLearningLiveWithTheApisNumbersAndKeepsItsHistoryOverAReload() throws Exception {
        Map<String, String> settings = new HashMap<>(KafkaTestSupport.uniqueSettings(kafka, "dashboard", work.resolve("state")));
        settings.put(BackstreamConfig.METRICS_INTERVAL_MS, "300"); // a point every 300 ms while a model changes
        BackstreamConfig config = new BackstreamConfig(settings, null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);
        List<LabeledRow> digits = Digits.load();
        Random random = new Random(13);

        try (BackstreamApp app = new BackstreamApp(config, EndToEndIT.shippedModels())) {
            app.start();
            browser.get(app.httpUrl("/"));

            // learning: the card shows the model, and its curve gains points
            List<String[]> first = batch(digits, 2, random);
            KafkaTestSupport.produce(kafka, config.topics().samples(), first);
            WebElement card = waitFor("the digits model's card", () -> card("digits"));
            assertEquals("digits", field(card, "id").getText());
            assertTrue(card.getText().contains("-10(softmax)"), "its architecture: " + card.getText());
            // the first batch is learned and its last metrics are drawn; then every new point comes from the second batch
            long firstVersion = 2L * digits.size();
            KafkaTestSupport.waitUntil("GET /models has the first batch's last digits metrics", WAIT,
                    () -> caughtUp(models(app).get("digits"), firstVersion));
            waitFor("the digits card shows the first batch learned", () ->
                    value(card("digits"), "modelVersion").equals(String.valueOf(firstVersion)) && points("digits") >= 1 ? true : null);
            int before = points("digits");
            List<String[]> second = batch(digits, 2, random);
            KafkaTestSupport.produce(kafka, config.topics().samples(), second);
            waitFor("the digits curve gains points while the second batch is learned", () -> points("digits") > before ? true : null);

            // learning stops: once the last metrics are published, the page shows the API's numbers
            int learned = first.size() + second.size();
            KafkaTestSupport.readUntil(kafka, config.topics().predictions(), WAIT, read -> read.size() >= learned);
            long digitsVersion = 4L * digits.size();
            long xorVersion = 2L * XOR_PER_BATCH;
            KafkaTestSupport.waitUntil("GET /models has the last metrics of both models", WAIT, () -> {
                Map<String, JsonNode> models = models(app);
                return caughtUp(models.get("digits"), digitsVersion) && caughtUp(models.get("xor"), xorVersion);
            });
            Map<String, JsonNode> api = models(app);
            for (String id : List.of("digits", "xor")) {
                JsonNode model = api.get(id);
                JsonNode metrics = model.get("metrics");
                waitFor("the " + id + " card shows the last metrics", () ->
                        value(card(id), "modelVersion").equals(model.get("modelVersion").asText())
                                && !value(card(id), "windowAccuracy").isEmpty()
                                && Double.parseDouble(value(card(id), "windowAccuracy")) == metrics.get("windowAccuracy").asDouble() ? true : null);
                WebElement shown = card(id);
                assertEquals(model.get("modelVersion").asLong(), Long.parseLong(field(shown, "modelVersion").getText()), id);
                assertEquals(metrics.get("windowAccuracy").asDouble(), Double.parseDouble(field(shown, "windowAccuracy").getText()), 0.5e-4,
                        id + ": window accuracy shown to four decimals");
                assertTrue(field(shown, "owner").getText().startsWith(model.get("owner").get("instance").asText()), field(shown, "owner").getText());
                // the learner's dead letters by reason (none here: the router rejects malformed samples before the learner)
                Iterator<Map.Entry<String, JsonNode>> reasons = metrics.path("deadLetters").fields();
                while (reasons.hasNext()) {
                    Map.Entry<String, JsonNode> reason = reasons.next();
                    assertTrue(field(shown, "deadLetters").getText().contains(reason.getKey() + " " + reason.getValue().asLong()),
                            id + ": dead letters " + field(shown, "deadLetters").getText());
                }
            }
            assertTrue(browser.findElement(By.id("status")).getText().startsWith("updated"), browser.findElement(By.id("status")).getText());

            // a reload starts from history: no model changes any more, so more than one point can only come from
            // GET /models/{id}, and the curve has exactly the points of its recentMetrics
            browser.navigate().refresh();
            for (String id : List.of("digits", "xor")) {
                int recent = recentPoints(app, id);
                assertTrue(recent > 1, id + " has a history: " + recent + " points");
                waitFor("after the reload, the " + id + " curve is drawn from its " + recent + " recent metrics", () -> points(id) == recent ? true : null);
                assertTrue(field(card(id), "recordsPerSecond").getText().matches("[0-9]+"), "records/s from the two latest points: "
                        + field(card(id), "recordsPerSecond").getText());
            }
            screenshot();
        }
    }

    /** {@code passes} shuffled passes over the digits rows, and XOR samples interleaved, keyed by model id. */
    private static List<String[]> batch(List<LabeledRow> digits, int passes, Random random) {
        List<String[]> records = new ArrayList<>();
        List<LabeledRow> rows = new ArrayList<>(digits);
        for (int pass = 0; pass < passes; pass++) {
            Collections.shuffle(rows, random);
            for (int i = 0; i < rows.size(); i++) {
                records.add(new String[] {"digits", EndToEndIT.digitsSample(rows.get(i), null)});
            }
        }
        for (int i = 0; i < XOR_PER_BATCH; i++) {
            records.add(i * records.size() / XOR_PER_BATCH, new String[] {"xor", dev.backstream.message.XorSamples.json(i, null)});
        }
        return records;
    }

    private static boolean caughtUp(JsonNode model, long version) {
        return model != null && model.get("modelVersion").asLong() == version
                && model.path("metrics").path("modelVersion").asLong(-1) == version;
    }

    /** The points of model {@code id}'s learning curve in {@code GET /models/{id}}'s recentMetrics. */
    private static int recentPoints(BackstreamApp app, String id) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.httpUrl("/models/" + id))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        int points = 0;
        for (JsonNode metrics : Json.MAPPER.readTree(response.body()).get("recentMetrics")) {
            points += metrics.path("windowAccuracy").isNumber() ? 1 : 0;
        }
        return points;
    }

    /** {@code GET /models}, by model id. */
    private static Map<String, JsonNode> models(BackstreamApp app) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.httpUrl("/models"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        Map<String, JsonNode> models = new HashMap<>();
        Json.MAPPER.readTree(response.body()).get("models").forEach(model -> models.put(model.get("id").asText(), model));
        return models;
    }

    /** The card of model {@code id}, or null while the page has none. */
    private WebElement card(String id) {
        List<WebElement> cards = browser.findElements(By.cssSelector("[data-model]"));
        for (WebElement card : cards) {
            if (id.equals(card.getDomAttribute("data-model"))) {
                return card;
            }
        }
        return null;
    }

    private static WebElement field(WebElement card, String name) {
        return card.findElement(By.cssSelector("[data-field=\"" + name + "\"]"));
    }

    /** The exact number behind a shown field ({@code data-value}), or "" while there is none. */
    private static String value(WebElement card, String name) {
        String value = field(card, name).getDomAttribute("data-value");
        return value == null ? "" : value;
    }

    /** Points plotted on model {@code id}'s chart (0 while it has no card). */
    private int points(String id) {
        WebElement card = card(id);
        return card == null ? 0 : Integer.parseInt(card.findElement(By.cssSelector("[data-points]")).getDomAttribute("data-points"));
    }

    private interface Lookup<T> {
        T find();
    }

    /** Polls the page until {@code lookup} finds something (not null), or fails naming {@code what}. */
    private <T> T waitFor(String what, Lookup<T> lookup) {
        return new WebDriverWait(browser, WAIT).withMessage(what).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(driver -> lookup.find());
    }

    /** Saves what the browser shows to target/dashboard.png (the README's docs/dashboard.png is a copy of a good one). */
    private void screenshot() throws Exception {
        Path target = Path.of("target/dashboard.png");
        Files.createDirectories(target.getParent());
        // the page's content only, without the empty viewport below it
        Files.copy(browser.findElement(By.tagName("body")).getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
}
