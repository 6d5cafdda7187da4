using Dsx.BoardHost.Tests;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Dsx.Grains.Tests.Web;

/// <summary>
/// Debian's chromium, headless, driven by Debian's chromedriver through Selenium: both from apt (<c>./dsx</c> installs
/// <c>chromium chromium-driver</c>), never downloaded (Selenium Manager is not consulted when both paths are given).
/// </summary>
internal static class HeadlessChromium
{
    public const string Browser = "/usr/bin/chromium";

    public const string Driver = "/usr/bin/chromedriver";

    private static readonly Lazy<string?> SkipReasonOnce = new(Probe);

    /// <summary>Null when the browser tests can run; with DSX_REQUIRE_EXECUTOR=1 always null, so a missing browser fails them.</summary>
    public static string? SkipReason => SkipReasonOnce.Value;

    /// <summary>A browser with a 1400x1000 window; every wait for the page is bounded by the caller, each driver call by 60 s.</summary>
    public static ChromeDriver Start()
    {
        foreach (var path in new[] { Browser, Driver })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{path} is missing: install Debian's chromium and chromium-driver (./dsx setup does).", path);
            }
        }

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Browser };
        // As root (CI), chromium's sandbox cannot start; the tests load only the silo's own pages from loopback.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000", "--hide-scrollbars");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    private static string? Probe()
    {
        if (ExecutorAvailability.SkipReason is { } reason)
        {
            return reason;
        }

        if (Environment.GetEnvironmentVariable(ExecutorAvailability.RequireVariable) == "1")
        {
            return null;
        }

        return File.Exists(Browser) && File.Exists(Driver)
            ? null
            : $"{Browser} or {Driver} is missing (apt-get install chromium chromium-driver, as ./dsx setup does).";
    }
}
