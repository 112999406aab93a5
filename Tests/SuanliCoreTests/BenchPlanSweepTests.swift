import Testing
@testable import SuanliCore

@Suite("GEMM sweep plan")
struct BenchPlanSweepTests {
    @Test func theGridCoversEveryShapeOnceSmallestFirst() {
        let full = BenchPlan.sweepShapes(quick: false)
        #expect(full.count == 64)
        #expect(Set(full.map { "\($0.m)x\($0.n)x\($0.k)" }).count == 64)
        #expect(full.first.map { [$0.m, $0.n, $0.k] } == [256, 256, 256])
        #expect(full.last.map { [$0.m, $0.n, $0.k] } == [16384, 16384, 16384])
        #expect(zip(full, full.dropFirst()).allSatisfy { $0.m * $0.n * $0.k <= $1.m * $1.n * $1.k })
        let quick = BenchPlan.sweepShapes(quick: true)
        #expect(quick.count == 27 && quick.allSatisfy { max($0.m, $0.n, $0.k) <= 4096 })
    }

    @Test func sweepStepsReplaceTheShapesAndMarkTheMeasurements() throws {
        let backend = CPUBackend(host: HostInfo.current(), threads: 1)
        let plan = BenchPlan(suites: [.gemm], precisions: [.fp32], shapes: [GEMMShape(square: 64)], streamLength: nil,
                             quick: true, retune: false, gemmSweep: true)
        let steps = plan.steps(for: backend)
        #expect(steps.count == 27)
        #expect(steps.allSatisfy { $0.suite == .gemm && $0.shape != nil })
        // The smallest point runs, verified, and says it is a sweep point.
        let measurement = try #require(plan.run(steps[0], on: backend).first)
        #expect(measurement.status == .ok && measurement.verified)
        #expect(measurement.parameters?["sweep"] == "grid")
        #expect(measurement.size == ["m": 256, "n": 256, "k": 256])
    }
}
