namespace Dsx.Search;

/// <summary>The trade-off between latency and memory: the items no other item beats on both.</summary>
public static class ParetoFront
{
    /// <summary>
    /// The non-dominated items (an item is dominated when another is no worse on both measures and better on one), by
    /// increasing latency; of items equal on both measures the first is kept.
    /// </summary>
    public static IReadOnlyList<T> Of<T>(IEnumerable<T> items, Func<T, double> latency, Func<T, double> memory)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(latency);
        ArgumentNullException.ThrowIfNull(memory);
        var front = new List<T>();
        var lowestMemory = double.PositiveInfinity;
        // Sorted by latency (then memory), an item is on the front exactly when it needs less memory than every faster one.
        foreach (var item in items.OrderBy(latency).ThenBy(memory))
        {
            if (memory(item) < lowestMemory)
            {
                front.Add(item);
                lowestMemory = memory(item);
            }
        }

        return front;
    }
}
