namespace Dsx.Search;

/// <summary>
/// What <see cref="ExactDp"/> found: the plan, its cost under the objective, and a lower bound on every plan's cost.
/// For additive objectives the plan is the proven optimum (<see cref="LowerBound"/> equals <see cref="Cost"/>); under a
/// memory cap it is feasible and the bound comes from the Lagrangian relaxation, so the optimum lies in
/// [<see cref="LowerBound"/>, <see cref="Cost"/>]. <see cref="PeakStates"/> is the widest frontier the program held.
/// </summary>
public sealed record ExactDpResult(CandidatePlan Plan, double Cost, double LowerBound, bool ProvenOptimal, int PeakStates)
{
    /// <summary>Relative gap between the returned plan and the lower bound: 0 when proven optimal.</summary>
    public double Gap => ProvenOptimal || LowerBound <= 0 ? 0 : (Cost - LowerBound) / LowerBound;
}
