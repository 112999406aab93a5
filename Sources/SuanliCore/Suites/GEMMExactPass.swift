import SuanliSchema

/// The exact pass of a GEMM runner (``GEMMProblem/exact(m:n:k:precision:seed:sampleSeed:)``):
/// β ≠ 0 on C₀, then β = 0 on a poisoned C, both compared for equality. Runs before the
/// random-real problem is uploaded (which replaces its data).
public enum GEMMExactPass {
    /// Words for the measurement parameters.
    public static func summary(k: Int, precision: Precision) -> String {
        let plan = GEMMProblem.exactPlan(k: k, precision: precision)
        return "equal: integers ±1…\(plan.magnitude)"
            + (plan.rowNonzeros < k ? ", \(plan.rowNonzeros) per row of A" : "")
            + ", α = 2, β = −1 then 0; all partial sums within ±\(Int(plan.budget))"
    }

    public static func run(_ runner: any GEMMRunner, m: Int, n: Int, k: Int, precision: Precision,
                           seed: UInt64 = VerificationSeed.current) throws -> VerificationResult {
        let problem = GEMMProblem.exact(m: m, n: n, k: k, precision: precision, seed: seed)
        try runner.upload(problem)
        _ = try runner.run(beta: problem.beta)
        let first = problem.verify(try runner.downloadOutput(), includeBeta: true)
        guard first.passed else { return .failed(first.detail + " (β = −1)") }
        try runner.poisonOutput()
        _ = try runner.run(beta: 0)
        let second = problem.verify(try runner.downloadOutput(), includeBeta: false)
        guard second.passed else { return .failed(second.detail + " (β = 0)") }
        return .passed
    }

    /// `run`, throwing the failure as an error (a runner that fails it is not built).
    public static func require(_ runner: any GEMMRunner, m: Int, n: Int, k: Int, precision: Precision) throws {
        let result = try run(runner, m: m, n: n, k: k, precision: precision)
        if !result.passed { throw BenchmarkError("GEMM verification failed: " + result.detail) }
    }
}
