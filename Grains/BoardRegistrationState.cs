namespace Dsx.Grains;

[GenerateSerializer]
public sealed class BoardRegistrationState
{
    [Id(0)]
    public BoardRegistration? Registration { get; set; }
}
