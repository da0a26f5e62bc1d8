package io.creditflow.broker;

import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.consume;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.transport.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, through
 * Selenium, nothing downloaded) loads {@code GET /} before anything moves, then a producer starts and a slow consumer
 * (50 msg/s) holds its BLOCK subscription: the page must show, from its own DOM, the subscription's depth, rate and
 * stall reason changing, and the stalled box marked. Saves a screenshot as {@code target/dashboard-slow-consumer.png}.
 * Skipped, saying why, where Chromium is not installed.
 */
class DashboardBrowserTest {
    @Test
    void theStalledSubscriptionIsMarkedLive(@TempDir Path profile) throws Exception {
        HeadlessChromium.assumeInstalled();
        BrokerConfig config = BrokerConfig.builder().port(0).httpPort(0).build();
        try (Broker broker = Broker.start(config);
                Client clients = TestClients.smallWindowClient()) {
            Connection c = clients.connect("127.0.0.1", broker.port());
            HeadlessChromium.Browser browser = HeadlessChromium.start(profile, 1400, 700);
            ChromeDriver driver = browser.driver();
            try (TestClients.Consumer slow = new TestClients.Consumer(
                            "slow",
                            c.openStream(consume("t", "slow", "block")),
                            true,
                            Duration.ofMillis(20),
                            Duration.ofSeconds(60))
                    .start()) {
                awaitMembers(broker, "t", "slow", 1);
                driver.get("http://127.0.0.1:" + broker.httpPort() + "/");
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(15), Duration.ofMillis(100));
                By box = By.cssSelector("[data-id='sub:t/slow']");
                // Before anything moves: an empty queue, nothing delivered, not stalled.
                WebElement sub = wait.until(d -> d.findElements(box).isEmpty() ? null : d.findElement(box));
                assertThat(sub.getDomAttribute("data-depth")).isEqualTo("0");
                assertThat(sub.getDomAttribute("class")).isEqualTo("box ok");
                assertThat(sub.findElement(By.className("reason")).getText()).isEmpty();
                try (TestClients.Producer p = new TestClients.Producer(
                                c.openStream(TestClients.produce("t").build()), 1000, 1_000_000, Duration.ofSeconds(60))
                        .start()) {
                    // The slow consumer holds the subscription: its queue fills, it waits for credit, it is marked.
                    wait.until(d -> {
                        WebElement s = d.findElement(box);
                        return Long.parseLong(s.getDomAttribute("data-depth")) > 0
                                && Double.parseDouble(s.getDomAttribute("data-rate")) > 0
                                && "no consumer credit".equals(s.getDomAttribute("data-stall"))
                                && s.getDomAttribute("class").contains("stalled");
                    });
                    WebElement s = driver.findElement(box);
                    assertThat(s.findElement(By.className("reason")).getText()).isEqualTo("no consumer credit");
                    assertThat(s.findElement(By.className("depth")).getText()).matches("[0-9.,]+ (B|KiB|MiB)");
                    assertThat(s.findElement(By.className("rate")).getText()).matches("[1-9][0-9,]* /s");
                    assertThat(s.findElement(By.className("fill")).getDomAttribute("style"))
                            .containsPattern("width: [1-9]");
                    // The first second may be partial; then the rate is about the consumer's 50 msg/s.
                    wait.until(d -> Double.parseDouble(d.findElement(box).getDomAttribute("data-rate")) >= 10);
                    String rate = driver.findElement(box).getDomAttribute("data-rate");
                    assertThat(Double.parseDouble(rate))
                            .as("the slow consumer's rate")
                            .isBetween(10.0, 100.0);
                    // Still live: the next seconds bring new figures and the sparklines grow.
                    String status = driver.findElement(By.id("status")).getText();
                    wait.until(d -> !d.findElement(By.id("status")).getText().equals(status));
                    wait.until(d -> d.findElement(box)
                                    .findElement(By.cssSelector(".rate-spark polyline"))
                                    .getDomAttribute("points")
                                    .split(" ")
                                    .length
                            >= 3);
                    // The topic behind it is held by the full BLOCK subscription.
                    WebElement topic = driver.findElement(By.cssSelector("[data-id='topic:t']"));
                    wait.until(d -> d.findElement(By.cssSelector("[data-id='topic:t']"))
                            .getDomAttribute("class")
                            .contains("stalled"));
                    assertThat(topic.getDomAttribute("data-stall")).isIn("subscription full", "topic full");
                    Path shot = Path.of("target", "dashboard-slow-consumer.png");
                    Files.createDirectories(shot.getParent());
                    Files.write(shot, driver.getScreenshotAs(OutputType.BYTES));
                    System.out.println("dashboard: subscription rate " + rate + " msg/s, stall '"
                            + s.getDomAttribute("data-stall") + "', topic '" + topic.getDomAttribute("data-stall")
                            + "'; screenshot " + shot.toAbsolutePath());
                    p.stop();
                }
                assertThat(slow.failure).isNull();
                assertThat(slow.orderViolation).isNull();
            } finally {
                browser.close();
            }
        }
    }
}
