namespace Dsx.Search;

/// <summary>
/// The binary envelope of a strategy's saved state: a tag naming the strategy and its state version, then the
/// strategy's own fields. Doubles are written bit for bit, so a restored strategy continues exactly.
/// </summary>
internal static class StrategyState
{
    public static byte[] Write(string tag, Action<BinaryWriter> fields)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(tag);
            fields(writer);
        }

        return stream.ToArray();
    }

    /// <exception cref="ArgumentException">The bytes are not a state saved under <paramref name="tag"/>.</exception>
    public static void Read(byte[] state, string tag, Action<BinaryReader> fields)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(state));
            if (reader.ReadString() != tag)
            {
                throw new ArgumentException($"not a saved {tag} state", nameof(state));
            }

            fields(reader);
            if (reader.BaseStream.Position != state.Length)
            {
                throw new ArgumentException($"a saved {tag} state with trailing bytes", nameof(state));
            }
        }
        catch (EndOfStreamException e)
        {
            throw new ArgumentException($"a truncated {tag} state", nameof(state), e);
        }
    }

    public static void WriteInts(BinaryWriter writer, IReadOnlyCollection<int> values)
    {
        writer.Write(values.Count);
        foreach (var v in values)
        {
            writer.Write(v);
        }
    }

    public static int[] ReadInts(BinaryReader reader)
    {
        var values = new int[reader.ReadInt32()];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadInt32();
        }

        return values;
    }
}
