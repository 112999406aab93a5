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
}
