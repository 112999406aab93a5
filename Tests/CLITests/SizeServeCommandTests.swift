import Foundation
import Testing

/// `suanli size serve` end to end: the step model's JSON, and bad input as one line with exit 64.
@Suite struct SizeServeCommandTests {
    let base = ["size", "serve", "--model", "llama3.3-70b", "--device", "h100-sxm", "--tp", "2", "--precision", "fp8",
                "--input-tokens", "1000", "--output-tokens", "1000"]

    @Test func stepModelJSONWithDemand() throws {
        let result = try CLI.run(base + ["--dau", "100M", "--tokens-per-user", "2k", "--peak-factor", "2.5",
                                         "--slo-tpot", "0.2", "--price-per-device-hour", "2.5", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(result.json as? [String: Any])
        for key in ["prefill_seconds", "ttft_seconds", "tpot_seconds", "output_tokens_per_second_per_device",
                    "total_tokens_per_second_per_device", "kv_cache_bytes_per_sequence", "max_batch_by_memory",
                    "binding", "sources", "devices", "cost_per_day", "energy_kwh_per_day", "energy_kwh_per_million_tokens"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect((json["tpot_seconds"] as? Double ?? 1) <= 0.2)
        #expect(((json["devices"] as? Double) ?? 1).truncatingRemainder(dividingBy: 2) == 0, "whole TP groups")
    }

    @Test(arguments: [
        ["--kv-heads", "8"],        // the shape given twice
        ["--heads", "6"],           // a hand-written shape: 4 KV heads do not divide 6 heads
        ["--tp", "3"],              // TP does not divide the heads
        ["--batch", "100000"],      // a batch that does not fit
        ["--input-tokens", "0"],
        ["--output-tokens", "-4"],
    ])
    func badInputIsOneLineAndExit64(_ extra: [String]) throws {
        var args = base
        if extra.first == "--heads" {
            // A hand-written shape whose heads the KV heads do not divide.
            args += ["--layers", "4", "--hidden", "768", "--kv-heads", "4", "--vocab", "1000"]
            if let i = args.firstIndex(of: "--model") { args.removeSubrange(i...(i + 1)) }
        }
        // Replace an option already in the base instead of giving it twice.
        if let i = args.firstIndex(of: extra[0]) { args.removeSubrange(i...(i + 1)) }
        let result = try CLI.run(args + extra)
        #expect(result.status == 64, "\(args + extra): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: "), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func roughBoundStaysReachableAndSaysSo() throws {
        let result = try CLI.run(["size", "serve", "--params", "70B", "--tokens-per-second", "10k", "--device", "h100-sxm"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("rough bound"))
    }
}
