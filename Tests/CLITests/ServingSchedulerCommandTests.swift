import Foundation
import Testing

/// `suanli size serve --scheduler/--prefill-chunk/--step-overhead` end to end: echoed in the JSON,
/// and a bad value is one line with exit 64.
@Suite struct ServingSchedulerCommandTests {
    let base = ["size", "serve", "--model", "llama3.3-70b", "--device", "h100-sxm", "--tp", "2", "--precision", "fp8",
                "--kv-precision", "fp8", "--input-tokens", "8192", "--output-tokens", "1024", "--batch", "16"]

    @Test func staticAndContinuousBothAnswer() throws {
        var ttft: [String: Double] = [:]
        for scheduler in ["static", "continuous"] {
            let result = try CLI.run(base + ["--scheduler", scheduler, "--step-overhead", "0.001", "--format", "json"])
            #expect(result.status == 0, "\(result.stderr)")
            let json = try #require(result.json as? [String: Any])
            #expect(json["scheduler"] as? String == scheduler)
            let inputs = try #require(json["inputs"] as? [String: Any])
            #expect(inputs["step_overhead_seconds"] as? Double == 0.001)
            ttft[scheduler] = json["ttft_seconds"] as? Double
        }
        #expect((ttft["continuous"] ?? 1) < (ttft["static"] ?? 0))
    }

    @Test(arguments: [
        ["--scheduler", "foo"],
        ["--step-overhead", "-1"],
        ["--prefill-chunk", "0"],
        ["--scheduler", "static", "--prefill-chunk", "512"],
    ])
    func badValueIsOneLineAndExit64(_ extra: [String]) throws {
        let result = try CLI.run(base + extra)
        #expect(result.status == 64, "\(extra): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: "), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
