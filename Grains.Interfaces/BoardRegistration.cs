namespace Dsx.Grains;

/// <summary>
/// A board of the farm: its id and kind (<c>x86-local</c>, <c>cortex-a72</c>, ...) and how to start its executor:
/// <c>local</c> (Program = the executor), <c>qemu</c> (Program = an aarch64 executor, Cpu = the qemu -cpu model),
/// <c>ssh</c> (Host, Port, User, Program on the remote host), <c>tcp</c> (Host, Port, Token of an executor started with
/// --listen). Cpus: the cores a local board is pinned to (taskset list, e.g. <c>0</c> or <c>2-3</c>). IdentityFile and
/// KnownHostsFile (ssh, files on the silo's host): the board's own client key and host-key file, so each board of a lab
/// can have its key and the silo user's ~/.ssh is neither needed nor written. <c>replay</c> (Program = <c>dsx</c> or
/// dsx.dll, Table = a measurement table, TimeScale = its delays' factor): a board that answers from the table without
/// compute, for scale tests of the farm; its kind must start with <c>replay:</c> so its timings never join a real kind's.
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.BoardRegistration")]
public sealed record BoardRegistration(
    [property: Id(0)] string Id,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Launch,
    [property: Id(3)] string? Program,
    [property: Id(4)] string? Host,
    [property: Id(5)] int? Port,
    [property: Id(6)] string? User,
    [property: Id(7)] string? Token,
    [property: Id(8)] string? Cpu,
    [property: Id(9)] string? Cpus,
    [property: Id(10)] IReadOnlyDictionary<string, string>? Environment,
    [property: Id(11)] string? IdentityFile = null,
    [property: Id(12)] string? KnownHostsFile = null,
    [property: Id(13)] string? Table = null,
    [property: Id(14)] double? TimeScale = null);
