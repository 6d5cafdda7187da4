// Each test class here starts silos, executors, sshd or PostgreSQL; side by side on a 2-core machine they starve each
// other into timeouts. One class at a time keeps the suite's timings (and its bounds) honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
