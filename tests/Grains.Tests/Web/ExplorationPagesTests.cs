using System.Globalization;
using System.Net;
using Dsx.Grains.Tests.Cluster;
using Dsx.Model;
using Dsx.Silo.Web;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Xunit.Abstractions;

namespace Dsx.Grains.Tests.Web;

/// <summary>
/// The exploration pages in a real browser (headless Debian chromium): a silo with a local board on the real executor
/// runs an exploration while the test reads the list, follows the link, watches the curve grow without a reload,
/// pauses with the API key, and looks at the farm; the Orleans Dashboard answers meanwhile.
/// </summary>
public sealed class ExplorationPagesTests(ITestOutputHelper output)
{
    private const string Key = "page-key";
    private const string Id = "page";
    private static readonly TimeSpan PageLimit = TimeSpan.FromMinutes(3);

    [BrowserFact]
    public async Task A_user_follows_a_running_exploration_sees_its_curve_grow_pauses_it_and_the_dashboard_answers()
    {
        await using var silo = await WebSilo.StartAsync(localBoards: 1, apiKey: Key);
        var hash = await silo.UploadAsync("mobilenet_v2");
        var grain = silo.Client.GetGrain<IExplorationGrain>(Id);
        // Enough episodes of a real network that it still runs when the test pauses it.
        await grain.StartAsync(DsxTestCluster.Spec("mobilenet_v2", hash, episodes: 60));
        var site = silo.Http.BaseAddress!;
        using var browser = HeadlessChromium.Start();
        try
        {
            // The list: the running exploration with its network and board kind, and a link to its page.
            browser.Navigate().GoToUrl(new Uri(site, "/"));
            var row = Wait(browser, d => d.FindElements(By.CssSelector($"#explorations tr[data-id='{Id}']")).FirstOrDefault())!;
            Wait(browser, _ => row.Text.Contains("mobilenet_v2", StringComparison.Ordinal) && row.Text.Contains("local", StringComparison.Ordinal));
            row.FindElement(By.LinkText(Id)).Click();
            Wait(browser, d => d.Url.EndsWith($"/explorations/{Id}", StringComparison.Ordinal));
            Wait(browser, d => d.FindElement(By.Id("title")).Text == Id);
            Wait(browser, d => d.FindElement(By.Id("spec")).Text.Contains("mobilenet_v2 on 'local' boards", StringComparison.Ordinal));

            // Live: the convergence curve gains episodes while the page stays the same document (a marker survives).
            browser.ExecuteScript("window.dsxMarker = 'same page';");
            Wait(browser, _ => Episodes(browser) >= 1);
            var first = Episodes(browser);
            Wait(browser, _ => Episodes(browser) > first);
            var later = Episodes(browser);
            Assert.Equal("same page", browser.ExecuteScript("return window.dsxMarker;"));
            Assert.True(browser.FindElements(By.CssSelector("#convergence circle.episode")).Count >= 1);
            output.WriteLine($"convergence curve: {first} then {later} episodes without a reload");

            // The Orleans Dashboard answers on the same port while the exploration runs.
            Assert.Equal(ExplorationStatus.Running, (await grain.GetSummaryAsync()).Status);
            using (var dashboard = await silo.Http.GetAsync(new Uri(DsxWeb.DashboardPath + "/", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
                Assert.Contains("Orleans Dashboard", await dashboard.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // The best plan so far, per layer, and the board measuring for it.
            var layers = ModelZoo.Build("mobilenet_v2").Nodes.Count;
            Wait(browser, d => d.FindElements(By.CssSelector("#plan tbody tr")).Count == layers);
            Assert.Contains("local-0", Wait(browser, d => d.FindElements(By.CssSelector("#boards tbody tr")).FirstOrDefault())!.Text, StringComparison.Ordinal);

            // Pause without the key: refused, said on the page, nothing changes. With the key typed in: paused.
            Wait(browser, d => d.FindElement(By.Id("key-box")).Displayed);
            Wait(browser, d => d.FindElement(By.Id("pause")).Enabled);
            browser.FindElement(By.Id("pause")).Click();
            Wait(browser, d => d.FindElement(By.Id("message")).Text.Contains("API key", StringComparison.Ordinal));
            Assert.Equal(ExplorationStatus.Running, (await grain.GetSummaryAsync()).Status);
            browser.FindElement(By.Id("api-key")).SendKeys(Key);
            browser.FindElement(By.Id("pause")).Click();
            Wait(browser, d => d.FindElement(By.CssSelector("#status .status")).GetAttribute("data-status") == "Paused");
            Assert.Equal(ExplorationStatus.Paused, (await grain.GetSummaryAsync()).Status);
            Wait(browser, d => d.FindElement(By.Id("resume")).Enabled && !d.FindElement(By.Id("pause")).Enabled);
            Assert.Equal("same page", browser.ExecuteScript("return window.dsxMarker;"));

            var screenshot = Screenshot(browser, "exploration-page.png");
            using (var bitmap = SkiaSharp.SKBitmap.Decode(screenshot))
            {
                Assert.NotNull(bitmap);
                Assert.True(bitmap.Width >= 800 && bitmap.Height >= 600, $"{bitmap.Width}x{bitmap.Height}");
            }

            // The farm's page: the board, its kind and its measurements.
            browser.Navigate().GoToUrl(new Uri(site, "/boards"));
            var board = Wait(browser, d => d.FindElements(By.CssSelector("#boards tr[data-id='local-0']")).FirstOrDefault())!;
            Assert.Contains("local", board.Text, StringComparison.Ordinal);
        }
        finally
        {
            await grain.CancelAsync();
        }
    }

    private static int Episodes(ChromeDriver browser) =>
        int.Parse(browser.FindElement(By.Id("convergence")).GetAttribute("data-episodes") ?? "0", CultureInfo.InvariantCulture);

    /// <summary>Waits (bounded by <see cref="PageLimit"/>) until the condition gives true or an element.</summary>
    private static T Wait<T>(ChromeDriver browser, Func<IWebDriver, T> condition)
    {
        var wait = new WebDriverWait(browser, PageLimit) { PollingInterval = TimeSpan.FromMilliseconds(250) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException), typeof(FormatException));
        return wait.Until(condition);
    }

    /// <summary>Saves the page as a PNG in the temp folder (kept as the test's artifact) and returns its path.</summary>
    private string Screenshot(ChromeDriver browser, string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), "dsx-browser-tests");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        browser.GetScreenshot().SaveAsFile(path);
        output.WriteLine($"screenshot: {path}");
        return path;
    }
}
