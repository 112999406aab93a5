import Testing
@testable import SuanliSizing

/// `size serve`'s arguments without a model shape (the rough bound) from `--option value` pairs.
func roughServe(_ pairs: [String: String]) -> ServeArguments {
    parsed(pairs)
}

@Suite("Serving: the rough bound")
struct RoughServeTests {
    @Test func bandwidthBindsSmallBatches() throws {
        let r = try RoughServePlanner.plan(
            roughServe(["params": "70B", "tokens-per-second": "100k", "device": "h100-sxm", "batch": "8"]), catalog: catalog)
        let compute = 1e5 * 2 * 70e9 / (989e12 * Defaults.mfu)
        let bandwidth = 1e5 / 8 * 70e9 * 2 / 3350e9
        #expect(close(r.devicesByCompute, compute))
        #expect(close(r.devicesByBandwidth, bandwidth))
        #expect(r.devicesByMemory == 2)
        #expect(r.binding == "bandwidth")
        #expect(r.devices == bandwidth.rounded(.up))
        #expect(close(r.tokensPerDay, 1e5 * 86_400))
        #expect(close(r.flopsPerDay, 1e5 * 86_400 * 140e9))
    }

    @Test func computeBindsLargeBatches() throws {
        let r = try RoughServePlanner.plan(
            roughServe(["params": "70B", "dau": "10M", "tokens-per-user": "2k", "device": "h100-sxm", "batch": "1024"]),
            catalog: catalog)
        #expect(r.binding == "compute")
        #expect(close(r.tokensPerDay, 10e6 * 2000))
    }

    @Test func memoryBindsTinyDemandOnBigModels() throws {
        let r = try RoughServePlanner.plan(
            roughServe(["params": "405B", "tokens-per-second": "10", "device": "a100-40gb"]), catalog: catalog)
        #expect(r.binding == "memory")
        #expect(r.devices == (405e9 * 2 / 40e9).rounded(.up))
    }

    @Test func mixtureOfExpertsComputeUsesActiveParams() throws {
        let r = try RoughServePlanner.plan(
            roughServe(["params": "671B", "active-params": "37B", "tokens-per-second": "1k", "device": "h200", "batch": "4"]),
            catalog: catalog)
        #expect(close(r.flopsPerToken, 2 * 37e9))
        #expect(close(r.devicesByBandwidth, 1000.0 / 4 * (37e9 * 4) * 2 / 4800e9))
        #expect(close(r.weightBytes, 671e9 * 2))
    }

    @Test func calibrationUsesMeasuredGEMMAndStream() throws {
        let path = "r.json"
        let text = resultFile(measurements: [gemm(500_000, precision: "mixed", engine: "tensor"), stream(2900, kernel: "copy"),
                                             stream(3000, kernel: "triad")])
        let r = try RoughServePlanner.plan(
            roughServe(["params": "70B", "tokens-per-second": "10k", "calibrate": path, "precision": "fp16", "batch": "16"]), catalog: catalog,
            readFile: files([path: text]))
        #expect(close(r.effectiveTFLOPSPerDevice, 500 * Defaults.utilization))
        #expect(r.bandwidthGBpsPerDevice == 3000)
        #expect(close(r.devicesByMemory, (140e9 / 85e9).rounded(.up)))
    }

    @Test func perDayCosts() throws {
        let r = try RoughServePlanner.plan(
            roughServe(["params": "8B", "tokens-per-second": "5k", "device": "h100-pcie", "price-per-device-hour": "2", "price-per-device": "25000"]),
            catalog: catalog)
        #expect(close(r.costPerDay, r.devices * 24 * 2))
        #expect(close(r.costCapital, r.devices * 25_000))
        #expect(close(r.energyKWhPerDay, r.devices * 24 * 350 / 1000))
        let json = r.json
        for key in ["tokens_per_day", "flops_per_day", "devices_by_compute", "devices_by_bandwidth", "devices_by_memory", "devices", "binding"] {
            #expect(json[key] != nil, "\(key)")
        }
        #expect(json["binding"]?.stringValue == r.binding)
    }

    @Test func badServeInput() {
        func e(_ pairs: [String: String]) -> SizingError? {
            sizingError { _ = try RoughServePlanner.plan(roughServe(pairs), catalog: catalog) }
        }
        #expect(e(["tokens-per-second": "1k", "device": "h200"])?.description.contains("--params") == true)
        #expect(e(["params": "7B", "device": "h200"])?.description.contains("demand") == true)
        #expect(e(["params": "7B", "dau": "1M", "device": "h200"])?.description.contains("--tokens-per-user") == true)
        #expect(e(["params": "7B", "dau": "1M", "tokens-per-user": "1k", "tokens-per-second": "5", "device": "h200"]) != nil)
        #expect(e(["params": "7B", "tokens-per-second": "0", "device": "h200"])?.description.contains("--tokens-per-second") == true)
        #expect(e(["params": "7B", "tokens-per-second": "5", "device": "h200", "batch": "0.5"])?.description.contains("--batch") == true)
        #expect(e(["params": "7B", "tokens-per-second": "5", "device": "h20"]) != nil)
    }
}
