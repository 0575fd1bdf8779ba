using System.Diagnostics;
using System.Globalization;
using FsCheck.Fluent;

namespace Anchor.Core.Tests.Json;

/// <summary>
/// How long a fuzz target runs: <c>ANCHOR_FUZZ_SECONDS</c> per target (CI keeps the small default; a longer hunt sets
/// more), and <c>ANCHOR_FUZZ_SEED</c> to replay one run. Inputs are drawn from the generator in rounds until the time
/// is up, and at least one round always runs, so a target never passes without trying anything.
/// </summary>
public static class FuzzBudget
{
    public static TimeSpan Seconds(double fallback) =>
        TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("ANCHOR_FUZZ_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : fallback);

    public static int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("ANCHOR_FUZZ_SEED"), out var s) ? s : Environment.TickCount;

    /// <returns>How many inputs were tried.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<Func<MutatedJson>> targets, TimeSpan budget, Func<int, MutatedJson, Task> attempt)
    {
        var random = new Random(Seed);
        var clock = Stopwatch.StartNew();
        var tried = 0;
        do
        {
            for (var i = 0; i < 20; i++, tried++)
            {
                var target = random.Next(targets.Count);
                await attempt(target, targets[target]());
            }
        } while (clock.Elapsed < budget);
        return tried;
    }

    /// <summary>The inputs of one target: samples of <see cref="JsonMutations.Of"/>, drawn 64 at a time from the run's seed.</summary>
    public static Func<MutatedJson> Inputs(System.Text.Json.Nodes.JsonObject seed, int salt)
    {
        var generator = JsonMutations.Of(seed);
        var rounds = (ulong)(uint)(Seed ^ salt);
        var queue = new Queue<MutatedJson>();
        return () =>
        {
            if (queue.Count == 0)
                foreach (var input in generator.Sample(50, new FsCheck.Rnd(rounds++ * 0x9E3779B97F4A7C15UL + 1), 64)) queue.Enqueue(input);
            return queue.Dequeue();
        };
    }
}
