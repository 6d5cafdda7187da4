using TorchSharp;

namespace Dsx.Search.Tests;

public sealed class TorchLoadsTests
{
    [Fact]
    public void Torch_loads_and_runs_a_backward_pass()
    {
        using var x = torch.tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        using var y = (x * x).sum();
        y.backward();

        Assert.Equal(new float[] { 2, 4, 6 }, x.grad!.data<float>().ToArray());
    }
}
