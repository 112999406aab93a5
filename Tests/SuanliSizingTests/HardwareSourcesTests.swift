import Foundation
import Testing
@testable import SuanliSizing

/// The hardware every sizing model reads: catalog, given figures, result file, each figure with its source.
struct HardwareSourcesTests {
    @Test func calibrateDeviceNeedsCalibrate() {
        let e = sizingError { _ = try HardwareSources(device: "h100-sxm", calibrate: nil, calibrateDevice: "cpu", catalog: catalog) }
        #expect(e?.description.contains("--calibrate-device needs --calibrate RESULTS.json") == true)
    }

    @Test func givenFiguresAreCheckedBeforeTheCalibrateDevice() {
        let e = sizingError {
            _ = try HardwareSources(device: nil, calibrate: nil, calibrateDevice: "cpu",
                                    given: .init(memoryGB: "x"), catalog: catalog)
        }
        #expect(e?.description.contains("--memory-gb") == true)
    }

    @Test func catalogFigures() throws {
        let h = try HardwareSources(device: "h100-sxm", calibrate: nil, calibrateDevice: nil, catalog: catalog)
        let memory = try #require(h.memoryGB())
        #expect(memory.basis == .catalog && memory.value == 80 && memory.source.hasPrefix("catalog h100-sxm: "))
        let bandwidth = try #require(h.memoryBandwidthGBps())
        #expect(bandwidth.basis == .catalog && bandwidth.source.hasPrefix("catalog h100-sxm HBM bandwidth (peak): "))
        #expect(h.file == nil && h.calibration == nil && h.measuredBusPoints.isEmpty)
    }

    @Test func givenFiguresWin() throws {
        let h = try HardwareSources(device: "h100-sxm", calibrate: nil, calibrateDevice: nil,
                                    given: .init(peakTFLOPS: "500", bandwidthGBps: "2000", memoryGB: "60", busGBps: "100"),
                                    catalog: catalog)
        #expect(h.givenPeakTFLOPS == 500 && h.givenBusGBps == 100)
        #expect(h.memoryGB()?.source == "--memory-gb" && h.memoryGB()?.value == 60)
        #expect(h.memoryBandwidthGBps()?.source == "--bandwidth-gbps" && h.memoryBandwidthGBps()?.value == 2000)
    }

    @Test func measuredFigures() throws {
        let text = resultFile(measurements: [gemm(700_000, precision: "bf16", engine: "tensor"), stream(3000, kernel: "triad")])
        var h = try HardwareSources(device: nil, calibrate: "r.json", calibrateDevice: nil, catalog: catalog)
        try h.readMeasurements(readFile: files(["r.json": text]))
        #expect(h.calibration?.deviceID == "opencl:0:0" && !h.measuredIsCPU)
        #expect(h.memoryGB()?.basis == .measured && h.memoryGB()?.value == 85)
        #expect(h.memoryBandwidthGBps()?.basis == .measured && h.measuredStream?.bytesPerSecond == 3000e9)
    }
}
