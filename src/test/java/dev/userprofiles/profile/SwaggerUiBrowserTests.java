package dev.userprofiles.profile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Swagger UI in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}): the page loads the API description, a token is entered under
 * "Authorize", and "Try it out" on {@code GET /users/{id}} answers 200. The screenshot
 * goes to {@code target/swagger-ui.png} (the one in the docs was taken so).
 */
@ServiceTest
class SwaggerUiBrowserTests {

	private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	@LocalServerPort
	int port;

	private WebDriver browser;

	@BeforeEach
	void startBrowser() {
		assertThat(CHROMIUM).as("Chromium (apt-get install chromium chromium-driver)").isExecutable();
		assertThat(CHROMEDRIVER).as("ChromeDriver (apt-get install chromium-driver)").isExecutable();
		ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
			// As root, in a closed network: no sandbox, no background connections.
			.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
					"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
					"--disable-sync", "--window-size=1280,1400");
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		this.browser = new ChromeDriver(service, options);
	}

	@AfterEach
	void stopBrowser() throws Exception {
		if (this.browser != null) {
			// What the browser showed last, for a failing run's diagnosis.
			Files.writeString(Path.of("target", "swagger-ui-last.html"), this.browser.getPageSource());
			this.browser.quit();
		}
	}

	@Test
	void tryItOutOnGetProfileAnswers200WithAToken() throws Exception {
		long id = new ApiClient(this.port).createProfile().get("id").asLong();
		WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(30));

		this.browser.get("http://localhost:" + this.port + "/swagger-ui/index.html");
		wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".info .title")));
		assertThat(this.browser.findElement(By.cssSelector(".info .title")).getText()).contains("User profile service");

		this.browser.findElement(By.cssSelector("button.authorize")).click();
		WebElement tokenField = wait
			.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".auth-container input")));
		tokenField.sendKeys(TestTokens.admin());
		this.browser.findElement(By.cssSelector(".auth-btn-wrapper button.authorize")).click();
		this.browser.findElement(By.cssSelector(".auth-btn-wrapper button.btn-done")).click();

		WebElement operation = wait.until(ExpectedConditions
			.elementToBeClickable(By.cssSelector("[id^='operations-'][id$='-getProfile'] .opblock-summary-control")));
		operation.click();
		wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button.try-out__btn"))).click();
		WebElement idField = wait
			.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-param-name='id'] input")));
		idField.clear(); // the example id, 1, is filled in
		idField.sendKeys(Long.toString(id));
		this.browser.findElement(By.cssSelector("button.execute")).click();

		WebElement status = wait.until(ExpectedConditions
			.visibilityOfElementLocated(By.cssSelector(".live-responses-table .response .response-col_status")));
		assertThat(status.getText()).startsWith("200");
		assertThat(this.browser
			.findElement(
					By.cssSelector(".live-responses-table tr.response .response-col_description pre.microlight code"))
			.getText()).contains("\"id\": " + id);
		Path screenshot = Path.of("target", "swagger-ui.png");
		Files.write(screenshot, ((TakesScreenshot) this.browser).getScreenshotAs(OutputType.BYTES));
	}

}
