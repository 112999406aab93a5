import Foundation
import Testing

/// Requests that cannot fit and results that cannot be written end with one clear line and a
/// documented exit code, never a signal.
@Suite(.serialized) struct LimitsTests {
    @Test func streamLengthBeyondMemoryIsAFailedMeasurement() throws {
        let result = try CLI.run(["bench", "--device", "cpu", "--suite", "stream", "--precision", "fp32",
                                  "--stream-length", "5000000000", "--no-save"])
        #expect(result.status == 3)
        #expect(result.stdout.contains("failed"))
        let lines = result.stderr.split(separator: "\n").filter { $0.contains("stream copy") }
        #expect(lines.count == 1)
        #expect(lines.first?.contains("exceed") == true || lines.first?.contains("MemAvailable") == true)
    }

    @Test func gemmTooLargeToAddressIsAFailedMeasurement() throws {
        let result = try CLI.run(["bench", "--device", "cpu", "--suite", "gemm", "--precision", "fp32",
                                  "--m", "4000000000", "--n", "4000000000", "--k", "8", "--no-save"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("gemm"))
    }

    @Test func unwritableOutputExitsOneNamingThePath() throws {
        let blocker = try CLI.temporaryDirectory().appendingPathComponent("a-file")
        try Data("x".utf8).write(to: blocker)
        let result = try CLI.run(["bench", "--device", "cpu", "--suite", "peak", "--quick",
                                  "--output-dir", blocker.path + "/results"])
        #expect(result.status == 1)
        let errors = result.stderr.split(separator: "\n").filter { $0.contains("error") }
        #expect(errors.count == 1)
        #expect(errors.first?.contains(blocker.path) == true)
        #expect(errors.first?.contains("not a folder") == true)
        #expect(!result.stderr.contains("NSCocoaErrorDomain"))
        // The figures were still printed.
        #expect(result.stdout.contains("fma-best"))
    }
}
