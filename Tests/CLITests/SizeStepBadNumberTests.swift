import Foundation
import Testing

/// `suanli size step` end to end: bad numbers are one line and exit 64.
@Suite struct SizeStepBadNumberTests {
    let base = ["size", "step", "--model", "gpt3-175b", "--device", "a100-80gb", "--global-batch", "64"]

    @Test(arguments: ["--tp", "--pp", "--dp", "--microbatch", "--global-batch"])
    func negativeCountSaysItMustBePositive(_ option: String) throws {
        var args = base
        if let i = args.firstIndex(of: option) { args.removeSubrange(i...(i + 1)) }
        let result = try CLI.run(args + [option, "-8"])
        #expect(result.status == 64)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("\(option) must be a whole number of at least 1, got -8"), "\(result.stderr)")
        #expect(!result.stderr.contains("Missing value"))
    }

    /// `--overlap-param-gather` reaches the model: refused without the distributed optimizer,
    /// echoed, and faster with it (the weight all-gather is hidden).
    @Test func overlapParamGatherIsAFlag() throws {
        let layout = base + ["--tp", "8", "--pp", "8", "--dp", "4", "--microbatch", "1", "--format", "json"]
        let refused = try CLI.run(layout + ["--overlap-param-gather"])
        #expect(refused.status == 64)
        #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("--zero 1"), "\(refused.stderr)")
        let plain = try CLI.run(layout + ["--zero", "1"])
        let overlapped = try CLI.run(layout + ["--zero", "1", "--overlap-param-gather"])
        #expect(plain.status == 0 && overlapped.status == 0, "\(plain.stderr)\(overlapped.stderr)")
        func value(_ r: CLIResult, _ key: String, in section: String? = nil) -> Any? {
            let top = r.json as? [String: Any]
            return section.map { (top?[$0] as? [String: Any])?[key] } ?? top?[key]
        }
        func seconds(_ r: CLIResult) -> Double? { value(r, "iteration_seconds") as? Double }
        #expect(value(overlapped, "overlap_param_gather", in: "inputs") as? Bool == true)
        #expect(value(plain, "overlap_param_gather", in: "inputs") as? Bool == false)
        let a = try #require(seconds(plain)), b = try #require(seconds(overlapped))
        #expect(b < a, "the weight all-gather is hidden: \(b) s vs \(a) s")
    }

    /// `--tp-comm-overlap` reaches the model: refused without sequence parallelism, echoed with its
    /// sources, and it hides tensor-parallel communication.
    @Test func tpCommOverlapIsAFlag() throws {
        let layout = base + ["--tp", "8", "--pp", "8", "--microbatch", "1", "--format", "json"]
        let refused = try CLI.run(layout + ["--tp-comm-overlap"])
        #expect(refused.status == 64)
        #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("--sequence-parallel"), "\(refused.stderr)")
        let plain = try CLI.run(layout + ["--sequence-parallel"])
        let overlapped = try CLI.run(layout + ["--sequence-parallel", "--tp-comm-overlap"])
        #expect(plain.status == 0 && overlapped.status == 0, "\(plain.stderr)\(overlapped.stderr)")
        let inputs = (overlapped.json as? [String: Any])?["inputs"] as? [String: Any]
        #expect(inputs?["tp_comm_overlap"] as? Bool == true)
        let sources = (overlapped.json as? [String: Any])?["sources"] as? [String: Any]
        #expect((sources?["tp_overlap_communication_sms"] as? String)?.contains("Transformer Engine") == true)
        func seconds(_ r: CLIResult) -> Double? { (r.json as? [String: Any])?["iteration_seconds"] as? Double }
        let a = try #require(seconds(plain)), b = try #require(seconds(overlapped))
        #expect(b < a, "TP communication is hidden: \(b) s vs \(a) s")
    }
}
