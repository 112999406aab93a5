import Testing
@testable import SuanliSizing

@Suite("Measured power from the calibrating measurement")
struct MeasuredPowerTests {
    let path = "results.json"

    /// A GEMM measurement that a power sensor measured.
    func gemmWithEnergy(_ median: Double, watts: Double, source: String = "nvml-total-energy", scope: String = "device") -> String {
        """
        {"device": "opencl:0:0", "suite": "gemm", "kernel": "gemm", "precision": "fp32", "size": {"m": 4096, "n": 4096, "k": 4096},
         "unit": "GFLOP/s", "higher_is_better": true, "median": \(median), "samples": [\(median)], "verified": true, "status": "ok",
         "energy": {"avg_watts": \(watts), "max_watts": \(watts * 1.1), "joules": \(watts * 2), "seconds": 2, "samples": 20,
                    "source": "\(source)", "scope": "\(scope)", "sensors": ["nvml:0"], "gflops_per_watt": \(median / watts)}}
        """
    }

    @Test func measuredWattsReplaceTheTDPForEnergyAndCO2() throws {
        // The fastest GEMM is the calibrating one; its own energy is used, not another's.
        let text = resultFile(measurements: [gemmWithEnergy(41_000, watts: 612), gemmWithEnergy(30_000, watts: 400)])
        let r = try TrainPlanner.plan(
            train(["params": "7B", "tokens": "1T", "calibrate": path, "precision": "fp32", "devices": "64", "device": "h100-sxm",
                   "pue": "1.2", "carbon-kg-per-kwh": "0.5"]),
            catalog: catalog, readFile: files([path: text]))
        let hours = try #require(r.deviceHours)
        #expect(close(r.energyKWh, hours * 612 / 1000 * 1.2))
        #expect(close(r.co2Tonnes, hours * 612 / 1000 * 1.2 * 0.5 / 1000))
        let power = try #require(r.sources.first { $0.0 == "power_watts" }?.1)
        #expect(power.contains("measured 612 W"))
        #expect(power.contains("nvml-total-energy"))
        #expect(power.contains(path))
        #expect(!power.contains("TDP"))
    }

    @Test func withoutEnergyTheCatalogTDPIsUsedAsBefore() throws {
        let text = resultFile(measurements: [gemm(41_000)])
        let r = try TrainPlanner.plan(
            train(["params": "7B", "tokens": "1T", "calibrate": path, "precision": "fp32", "devices": "64", "device": "h100-sxm"]),
            catalog: catalog, readFile: files([path: text]))
        let power = try #require(r.sources.first { $0.0 == "power_watts" }?.1)
        #expect(power.contains("TDP"))
        #expect(close(r.energyKWh, try #require(r.deviceHours) * 700 / 1000))
    }

    @Test func powerWattsOverridesTheMeasurementAndWholeNodeIsSaid() throws {
        let text = resultFile(measurements: [gemmWithEnergy(41_000, watts: 150, source: "power-command", scope: "whole-node")])
        let reader = files([path: text])
        let c = try Calibration.from(ResultFile.decode(reader(path), name: path), name: path, deviceID: nil, precision: "fp32")
        #expect(c.powerWatts == 150)
        #expect(c.powerDetail?.contains("whole node") == true)
        let r = try TrainPlanner.plan(
            train(["params": "7B", "tokens": "1T", "calibrate": path, "precision": "fp32", "devices": "8", "power-watts": "500"]),
            catalog: catalog, readFile: reader)
        #expect(r.sources.first { $0.0 == "power_watts" }?.1 == "--power-watts")
        #expect(close(r.energyKWh, try #require(r.deviceHours) * 500 / 1000))
        // Without a catalog device, the measurement alone gives energy and CO2.
        let measured = try TrainPlanner.plan(
            train(["params": "7B", "tokens": "1T", "calibrate": path, "precision": "fp32", "devices": "8", "carbon-kg-per-kwh": "0.6"]),
            catalog: catalog, readFile: reader)
        #expect(close(measured.energyKWh, try #require(measured.deviceHours) * 150 / 1000))
        #expect(measured.co2Tonnes != nil)
    }
}
