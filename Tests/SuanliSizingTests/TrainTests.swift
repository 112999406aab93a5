#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import SuanliSizing

@Suite("The article's arithmetic, and done right")
struct ArticleTests {
    let pfDay = 1e15 * 86_400

    @Test func sixThousandA100sForADay() throws {
        let r = try TrainPlanner.plan(
            train(["pf-days": "3640", "peak-tflops": "600", "mfu": "1", "days": "1"]), catalog: catalog)
        let exact = 3640 * pfDay / (600e12 * 86_400)
        #expect(close(r.devicesExact, exact))
        #expect(r.devices == exact.rounded(.up))
        #expect(r.devices == 6067)
        #expect(r.solvedFor == "devices")
        #expect(close(r.totalFLOPs, 3640 * 8.64e19))
    }

    @Test func tenThousandWithInterconnectLoss() throws {
        let r = try TrainPlanner.plan(
            train(["pf-days": "3640", "peak-tflops": "600", "mfu": "1", "days": "1", "interconnect-loss": "0.4"]),
            catalog: catalog)
        let ideal = 3640 * pfDay / (600e12 * 86_400)
        #expect(close(r.devicesExact, ideal / (1 - 0.4)))
        #expect(abs(r.devicesExact! - 10_111) < 1)
        #expect(close(r.efficiency, 0.6))
    }

    @Test func aBillionCNY() throws {
        let r = try TrainPlanner.plan(
            train([
                "pf-days": "3640", "peak-tflops": "600", "mfu": "1", "days": "1", "interconnect-loss": "0.4",
                "price-per-device": "100000", "currency": "CNY",
            ]), catalog: catalog)
        #expect(r.costCapital == r.devices! * 100_000)
        #expect(abs(r.cost! - 1.0e9) / 1.0e9 < 0.02)
        #expect(r.currency == "CNY")
    }

    @Test func doneRightUsesDenseBF16AndRealisticMFU() throws {
        let r = try TrainPlanner.plan(
            train(["params": "175B", "tokens": "300B", "device": "a100-40gb", "days": "1"]), catalog: catalog)
        let a100 = try catalog.lookup("a100-40gb")
        let dense = try #require(a100.denseTFLOPS["bf16"]).value
        #expect(dense == 312)
        #expect(try #require(a100.sparseTFLOPS["fp16"]).value == 600 + 24)
        #expect(close(r.sustainedTFLOPSPerDevice, dense * Defaults.mfu))
        #expect(close(r.totalFLOPs, 6 * 175e9 * 300e9))
        // GPT-3's 3640 PF-days is 6·N·D; the sustained rate is ~5× below the article's 0.6 PF.
        #expect(abs(r.pfDays - 3640) / 3640 < 0.01)
        #expect(r.devices! > 4 * 6067)
        #expect(r.inputs.contains { $0.0 == "mfu" && $0.1 == .number(Defaults.mfu) })
        #expect(r.sources.contains { $0.0 == "peak_tflops" && $0.1.contains("NVIDIA A100 datasheet") })
    }
}

@Suite("Megatron-LM §5.1 projections")
struct MegatronTests {
    @Test func gpt3On1024A100s() throws {
        let r = try TrainPlanner.plan(
            train(["params": "175B", "tokens": "300B", "achieved-tflops": "140", "devices": "1024"], recompute: true),
            catalog: catalog)
        let expected = 8 * 175e9 * 300e9 / (1024 * 140e12) / 86_400
        #expect(close(r.days, expected))
        #expect(abs(r.days - 34) < 0.5)
    }

    @Test func oneTrillionOn3072A100s() throws {
        let r = try TrainPlanner.plan(
            train(["params": "1T", "tokens": "450B", "achieved-tflops": "163", "devices": "3072"], recompute: true),
            catalog: catalog)
        #expect(close(r.days, 8 * 1e12 * 450e9 / (3072 * 163e12) / 86_400))
        #expect(abs(r.days - 84) < 1.5)
    }
}

@Suite("Training model")
struct TrainingModelTests {
    @Test func recomputeIsEightSixths() {
        let plain = TrainingModel.totalFLOPs(activeParams: 7e9, tokens: 1e12)
        let recompute = TrainingModel.totalFLOPs(activeParams: 7e9, tokens: 1e12, recompute: true)
        #expect(close(recompute / plain, 8.0 / 6.0))
    }

    @Test func attentionTermFollowsPaLM() {
        let shape = TrainingModel.AttentionShape(layers: 96, hidden: 12288, sequenceLength: 2048)
        let perToken = TrainingModel.flopsPerToken(activeParams: 175e9, attention: shape)
        #expect(close(perToken, 6 * 175e9 + 12 * 96 * 12288 * 2048))
    }

    @Test func mixtureOfExpertsUsesActiveParamsForComputeAndAllForMemory() throws {
        let r = try TrainPlanner.plan(
            train(["params": "1.2T", "active-params": "100B", "tokens": "1T", "device": "h100-sxm", "devices": "1024"]),
            catalog: catalog)
        #expect(close(r.totalFLOPs, 6 * 100e9 * 1e12))
        #expect(close(r.modelStateBytes, 1.2e12 * 16))
        #expect(r.minDevicesForMemory == (1.2e12 * 16 / 80e9).rounded(.up))
    }

    @Test func devicesAndDaysAreInverse() throws {
        let base = ["params": "70B", "tokens": "2T", "device": "h100-sxm", "mfu": "0.45"]
        var withDays = base; withDays["days"] = "30"
        let solved = try TrainPlanner.plan(train(withDays), catalog: catalog)
        let back = TrainingModel.days(
            totalFLOPs: solved.totalFLOPs, flopsPerSecondPerDevice: 989e12 * 0.45, devices: solved.devicesExact!,
            losses: .none)
        #expect(close(back.days, 30, within: 1e-9))
        var withDevices = base; withDevices["devices"] = String(Int(solved.devices!))
        let whole = try TrainPlanner.plan(train(withDevices), catalog: catalog)
        #expect(close(whole.days, solved.daysWithWholeDevices!))
        #expect(solved.daysWithWholeDevices! <= 30)
        #expect(close(solved.deviceHours, solved.devicesExact! * 30 * 24))
    }

    @Test func clusterEFLOPSWithADeviceCountsDevices() throws {
        let r = try TrainPlanner.plan(
            train(["params": "175B", "tokens": "300B", "device": "a100-80gb", "cluster-eflops": "4.7", "mfu": "0.5"]),
            catalog: catalog)
        #expect(close(r.devicesExact, 4.7e18 / 312e12))
        #expect(close(r.days, 6 * 175e9 * 300e9 / (4.7e18 * 0.5) / 86_400))
    }

    @Test func clusterEFLOPSAloneGivesDaysButNoDeviceCount() throws {
        let r = try TrainPlanner.plan(train(["pf-days": "3640", "cluster-eflops": "4.7", "mfu": "0.4"]), catalog: catalog)
        #expect(r.devices == nil)
        #expect(close(r.days, 3640 * 8.64e19 / (4.7e18 * 0.4) / 86_400))
    }

    @Test func dataParallelAllReduceSlowsTheRun() throws {
        let base = [
            "params": "7B", "tokens": "1T", "achieved-tflops": "400", "devices": "512",
            "global-batch-tokens": "4M", "bus-gbps": "50",
        ]
        let r = try TrainPlanner.plan(train(base), catalog: catalog)
        let steps = 1e12 / 4e6
        let compute = 6 * 7e9 * 4e6 / (512 * 400e12)
        let comm = 2.0 * 511 / 512 * 7e9 * 2 / 50e9
        #expect(close(r.step?.computeSeconds, compute))
        #expect(close(r.step?.allReduceSeconds, comm))
        #expect(close(r.days, steps * (compute + comm) / 86_400))
        #expect(close(r.efficiency, compute / (compute + comm)))

        var hidden = base; hidden["overlap"] = "1"
        let overlapped = try TrainPlanner.plan(train(hidden), catalog: catalog)
        #expect(close(overlapped.step?.exposedSeconds, max(0, comm - compute)))
        #expect(overlapped.days < r.days)
    }

    @Test func dataParallelSolvesForDevices() throws {
        let args = [
            "params": "7B", "tokens": "1T", "achieved-tflops": "400", "days": "10",
            "global-batch-tokens": "4M", "bus-gbps": "100", "overlap": "0.5",
        ]
        let r = try TrainPlanner.plan(train(args), catalog: catalog)
        let ideal = 6 * 7e9 * 1e12 / (400e12 * 10 * 86_400)
        #expect(r.devicesExact! > ideal)
        let dp = TrainingModel.DataParallel(gradientBytes: 14e9, busBytesPerSecond: 100e9, steps: 250_000, overlap: 0.5)
        let check = TrainingModel.days(
            totalFLOPs: 6 * 7e9 * 1e12, flopsPerSecondPerDevice: 400e12, devices: r.devicesExact!, losses: .dataParallel(dp))
        #expect(close(check.days, 10, within: 1e-6))
    }

    @Test func unreachableDaysAreAnError() {
        let e = sizingError {
            _ = try TrainPlanner.plan(train([
                "params": "7B", "tokens": "1T", "achieved-tflops": "400", "days": "0.01",
                "global-batch-tokens": "1M", "bus-gbps": "10",
            ]), catalog: catalog)
        }
        #expect(e?.description.contains("cannot be reached") == true)
    }

    @Test func catalogBusBandwidthIsHalfTheBidirectionalLink() throws {
        let r = try TrainPlanner.plan(train([
            "params": "7B", "tokens": "1T", "device": "a100-80gb", "devices": "64", "global-batch-tokens": "4M",
        ]), catalog: catalog)
        #expect(r.inputs.contains { $0.0 == "bus_gbps" && $0.1 == .number(300) })
    }

    @Test func memoryWarningWhenTooFewDevices() throws {
        let r = try TrainPlanner.plan(
            train(["params": "175B", "tokens": "300B", "device": "a100-80gb", "devices": "8"]), catalog: catalog)
        #expect(r.minDevicesForMemory == 35)
        #expect(r.warnings.contains { $0.contains("at least 35") })
        let fine = try TrainPlanner.plan(
            train(["params": "175B", "tokens": "300B", "device": "a100-80gb", "devices": "64"]), catalog: catalog)
        #expect(fine.warnings.isEmpty)
    }

    @Test func energyCostAndCarbon() throws {
        let r = try TrainPlanner.plan(train([
            "params": "7B", "tokens": "1T", "device": "h100-sxm", "devices": "256", "pue": "1.2",
            "carbon-kg-per-kwh": "0.5", "price-per-device-hour": "2",
        ]), catalog: catalog)
        let hours = try #require(r.deviceHours)
        #expect(close(r.energyKWh, hours * 700 / 1000 * 1.2))
        #expect(close(r.co2Tonnes, r.energyKWh! * 0.5 / 1000))
        #expect(close(r.costRental, hours * 2))
        #expect(r.cost == r.costRental)
    }
}

@Suite("Bad input")
struct BadTrainInputTests {
    let good = ["params": "175B", "tokens": "300B", "device": "a100-80gb", "days": "30"]

    func error(_ changes: [String: String?]) -> SizingError? {
        var pairs = good
        for (k, v) in changes { pairs[k] = v }
        return sizingError { _ = try TrainPlanner.plan(train(pairs), catalog: catalog) }
    }

    @Test(arguments: ["params", "tokens", "days", "mfu"])
    func zeroNegativeNaNInfinite(option: String) {
        for bad in ["0", "-3", "nan", "inf"] {
            let e = error([option: bad])
            #expect(e?.exitCode == 64, "--\(option) \(bad)")
            #expect(e?.description.contains("--\(option)") == true, "--\(option) \(bad)")
        }
    }

    @Test func unknownDeviceSuggests() {
        let e = error(["device": "a1000"])
        #expect(e?.description.contains("not in the catalog") == true)
        #expect(e?.description.contains("a100-80gb") == true)
        #expect(error(["device": "h100"])?.description.contains("ambiguous") == true)
    }

    @Test func contradictoryOrMissingScale() {
        #expect(error(["devices": "8"])?.description.contains("choose one scale") == true)
        #expect(error(["cluster-eflops": "1"])?.description.contains("choose one scale") == true)
        #expect(error(["days": nil])?.description.contains("give the scale") == true)
    }

    @Test func contradictoryWork() {
        #expect(error(["flops": "1e23"])?.description.contains("give the work once") == true)
        #expect(error(["tokens": nil])?.description.contains("--params needs --tokens") == true)
        #expect(error(["active-params": "200B"])?.description.contains("cannot exceed") == true)
        #expect(error(["layers": "96"])?.description.contains("--layers, --hidden and --seq-len") == true)
    }

    @Test func contradictoryRate() {
        #expect(error(["achieved-tflops": "140", "mfu": "0.5"]) != nil)
        #expect(error(["utilization": "0.5"])?.description.contains("--utilization") == true)
        #expect(error(["precision": "fp4"])?.description.contains("--precision") == true)
        #expect(error(["device": "v100", "precision": "bf16"])?.description.contains("fp16") == true)
        #expect(error(["device": nil])?.description.contains("per-device rate") == true)
        #expect(error(["interconnect-loss": "0.2", "global-batch-tokens": "4M"])?.description.contains("alternatives") == true)
        #expect(error(["interconnect-loss": "1"]) != nil)
        #expect(error(["pue": "0.9"])?.description.contains("--pue") == true)
    }

    @Test func allMessagesAreOneLine() {
        for e in [error(["params": "x"]), error(["device": "zzz"]), error(["days": nil])] {
            #expect(e != nil)
            #expect(e?.description.contains("\n") == false)
        }
    }
}

@Suite("JSON output")
struct TrainJSONTests {
    struct Keys: Decodable {
        var total_flops: Double
        var pf_days: Double
        var devices: Double?
        var days: Double
        var device_hours: Double?
        var effective_tflops_per_device: Double?
        var cost: Double?
        var energy_kwh: Double?
        var co2_tonnes: Double?
        var min_devices_for_memory: Double?
        var inputs: [String: Inputs]
        var sources: [String: String]
        enum Inputs: Decodable {
            case number(Double), string(String), bool(Bool), null
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) }
                else if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .string(try c.decode(String.self)) }
            }
        }
    }

    @Test func requiredKeysArePlainNumbers() throws {
        let r = try TrainPlanner.plan(train([
            "params": "175B", "tokens": "300B", "device": "a100-80gb", "days": "30", "price-per-device": "15000",
            "currency": "USD", "carbon-kg-per-kwh": "0.4",
        ]), catalog: catalog)
        let text = r.json.rendered()
        let decoded = try JSONDecoder().decode(Keys.self, from: Data(text.utf8))
        #expect(close(decoded.total_flops, r.totalFLOPs))
        #expect(decoded.devices == r.devices)
        #expect(close(decoded.co2_tonnes, r.co2Tonnes!))
        #expect(decoded.min_devices_for_memory == 35)
        #expect(decoded.sources["peak_tflops"]?.contains("datasheet") == true)
        if case .number(let mfu)? = decoded.inputs["mfu"] { #expect(mfu == Defaults.mfu) } else { Issue.record("mfu missing") }
        #expect(decoded.inputs["bytes_per_param"] != nil)
    }

    @Test func tableNamesEverySource() throws {
        let r = try TrainPlanner.plan(train(["params": "175B", "tokens": "300B", "device": "a100-80gb", "days": "30"]), catalog: catalog)
        #expect(r.table.contains("NVIDIA A100 datasheet (2021)"))
        #expect(r.table.contains("MFU 0.4 (default)"))
        #expect(r.table.contains("devices to buy"))
    }
}
