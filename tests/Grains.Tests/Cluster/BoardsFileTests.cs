using Dsx.Silo;

namespace Dsx.Grains.Tests.Cluster;

public sealed class BoardsFileTests
{
    [Fact]
    public void A_boards_file_gives_every_board_with_paths_from_its_folder()
    {
        var boards = BoardsFile.Parse(
            """
            boards:
              - id: local-0
                kind: local
                program: build/dsx-executor
                cpus: "0"
              - id: rpi4-1
                kind: cortex-a72
                launch: ssh
                host: 10.0.0.21
                port: 2222
                user: pi
                program: /home/pi/dsx-executor
                identity-file: keys/lab
                environment:
                  OPENBLAS_NUM_THREADS: "1"
            """,
            "/lab/boards.yaml");

        Assert.Equal(["local-0", "rpi4-1"], boards.Select(b => b.Id));
        Assert.Equal("/lab/build/dsx-executor", boards[0].Program);
        Assert.Equal(("local", "0"), (boards[0].Launch, boards[0].Cpus));
        Assert.Equal(("ssh", "10.0.0.21", 2222, "pi"), (boards[1].Launch, boards[1].Host, boards[1].Port, boards[1].User));
        Assert.Equal("/home/pi/dsx-executor", boards[1].Program);
        Assert.Equal("/lab/keys/lab", boards[1].IdentityFile);
        Assert.Equal("1", boards[1].Environment!["OPENBLAS_NUM_THREADS"]);
    }

    [Theory]
    [InlineData("boards:\n  - id: a\n    kind: k\n    colour: red\n", "boards.yaml:4: unknown key 'colour'")]
    [InlineData("boards:\n  - id: a\n    program: /x\n", "boards.yaml:2: board 'a' needs a 'kind'")]
    [InlineData("boards:\n  - id: a\n    kind: k\n    launch: telnet\n", "boards.yaml:2: board 'a': unknown launch 'telnet'")]
    [InlineData("boards:\n  - id: a\n    kind: k\n    launch: tcp\n    host: h\n    port: 99999\n", "boards.yaml:6: board 'a': port '99999' is not a port number")]
    [InlineData("boards:\n  - id: a\n    kind: k\n    program: /x\n  - id: a\n    kind: k\n    program: /x\n", "boards.yaml:5: board id 'a' appears twice")]
    [InlineData("boards: [\n", "boards.yaml:")]
    [InlineData("farm:\n  - id: a\n", "boards.yaml: expected a 'boards:' list")]
    public void A_wrong_boards_file_is_refused_naming_the_line_and_the_problem(string text, string expected)
    {
        var e = Assert.Throws<BoardsFileException>(() => BoardsFile.Parse(text, "boards.yaml"));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }
}
