namespace Dsx.Grains.Tests.Web;

/// <summary>A fact that needs the real executor and Debian's headless chromium; skipped, saying why, without them.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (HeadlessChromium.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
