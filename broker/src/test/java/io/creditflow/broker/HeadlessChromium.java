package io.creditflow.broker;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium through Selenium, for the tests that look at the dashboard in a real browser (this
 * module's and, through its test-jar, the pipeline's): nothing downloaded, nothing fetched from the network.
 */
public final class HeadlessChromium {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private HeadlessChromium() {}

    /** Skips the calling test, saying why, where Chromium or its driver is not installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs " + CHROMIUM + " and " + CHROMEDRIVER + " (apt-get install -y chromium chromium-driver)");
    }

    /** A started browser and its driver process; closing quits both. */
    public record Browser(ChromeDriver driver, ChromeDriverService service) implements AutoCloseable {
        @Override
        public void close() {
            driver.quit();
            service.close();
        }
    }

    /**
     * A browser with its profile in {@code profile}, a window of {@code width} x {@code height}, and {@code extra}
     * arguments; the caller closes it.
     */
    public static Browser start(Path profile, int width, int height, String... extra) {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        List<String> args = new ArrayList<>(List.of(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=" + width + "," + height,
                "--user-data-dir=" + profile.toAbsolutePath()));
        args.addAll(List.of(extra));
        ChromeOptions options =
                new ChromeOptions().setBinary(CHROMIUM.toString()).addArguments(args);
        return new Browser(new ChromeDriver(service, options), service);
    }
}
