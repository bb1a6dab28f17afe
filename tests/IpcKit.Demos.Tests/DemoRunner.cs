using System.Text.Json.Nodes;
using IpcKit.Coordinator.Demos;

namespace IpcKit.Demos.Tests;

/// <summary>Runs a demo in this process on a pool thread, silently, and fails the test if it does not finish in time.</summary>
internal static class DemoRunner
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task<DemoResult> RunAsync(IDemo demo)
    {
        try
        {
            // Task.Run: a demo that blocked its caller would otherwise escape the deadline.
            return await Task.Run(() => demo.RunAsync(DemoOutput.Silent, CancellationToken.None)).WaitAsync(Deadline);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The {demo.Name} demo did not finish within {Deadline.TotalSeconds:0} s.");
        }
    }

    public static T Figure<T>(this DemoResult result, params string[] path)
    {
        JsonNode? node = result.Figures;
        foreach (string key in path)
        {
            node = node?[key];
        }

        return node is null ? throw new KeyNotFoundException($"{result.Demo} has no figure {string.Join('.', path)}") : node.GetValue<T>();
    }
}
