import ArgumentParser
import Foundation
@testable import SuanliSizing

/// The catalog compiled into the binary.
let catalog: Catalog = {
    do { return try Catalog.embedded() } catch { fatalError("embedded catalog: \(error)") }
}()

/// A file reader over in-memory files, so tests touch no disk.
func files(_ contents: [String: String]) -> FileReader {
    { path in
        guard let text = contents[path] else {
            throw SizingError.data("cannot read results file '\(path)' (missing or not readable)")
        }
        return Data(text.utf8)
    }
}

/// Option groups parsed from `--option value` pairs and `--flag`s as on the command line, by the
/// groups' own declarations (so a test names options as users type them).
func parsed<T: ParsableArguments>(_ pairs: [String: String], flags: [String] = []) -> T {
    let argv = pairs.sorted { $0.key < $1.key }.flatMap { ["--\($0.key)", $0.value] } + flags.map { "--\($0)" }
    do { return try T.parse(argv) } catch { fatalError("test options \(argv) do not parse: \(T.fullMessage(for: error))") }
}

/// `size train`'s arguments from `--option value` pairs.
func train(_ pairs: [String: String], recompute: Bool = false) -> TrainArguments {
    parsed(pairs, flags: recompute ? ["recompute"] : [])
}

/// Relative closeness.
func close(_ a: Double?, _ b: Double, within tolerance: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance * max(abs(b), 1e-300)
}

/// The usage or data message thrown by `body`, or nil.
func sizingError(_ body: () throws -> Void) -> SizingError? {
    do { try body(); return nil } catch let e as SizingError { return e } catch { return nil }
}

/// A `suanli bench` result file with the given measurements for device opencl:0:0.
func resultFile(devices: String? = nil, measurements: [String]) -> String {
    let deviceList = devices ?? """
        [{"id": "opencl:0:0", "backend": "opencl", "type": "gpu", "name": "NVIDIA H100 80GB HBM3", "vendor": "NVIDIA Corporation", "compute_units": 132, "global_memory_bytes": 85000000000}]
        """
    return completeDocument("""
        {"schema": "suanli.result/1", "devices": \(deviceList),
         "measurements": [\(measurements.joined(separator: ",\n"))]}
        """)
}

/// Fills the fields a result document requires (SuanliCore's schema) that a test leaves out, so
/// fixtures state only what the test is about.
func completeDocument(_ partial: String) -> String {
    guard var doc = (try? JSONSerialization.jsonObject(with: Data(partial.utf8))) as? [String: Any] else {
        return partial
    }
    let host: [String: Any] = [
        "hostname": "test", "cpu_model": "Test CPU", "architecture": "x86_64", "logical_cores": 2, "features": [],
        "caches": [], "memory_bytes": 8_000_000_000, "os": "Linux", "kernel": "6",
    ]
    let defaults: [String: Any] = [
        "run_id": "00000000-0000-0000-0000-000000000000", "created": "2026-01-01T00:00:00Z",
        "tool": ["name": "suanli", "version": "test", "build_configuration": "debug", "cpu_kernel_variant": "portable",
                 "opencl_kernels": "embedded"],
        "command_line": [], "host": host, "incomplete": false, "devices": [], "measurements": [],
    ]
    for (key, value) in defaults where doc[key] == nil { doc[key] = value }
    doc["devices"] = (doc["devices"] as? [[String: Any]] ?? []).map { device in
        let defaults: [String: Any] = ["backend": "opencl", "type": "gpu", "name": "device \(device["id"] ?? "")",
                                       "vendor": "Test", "compute_units": 1, "global_memory_bytes": 0]
        return device.merging(defaults) { current, _ in current }
    }
    doc["measurements"] = (doc["measurements"] as? [[String: Any]] ?? []).map { m in
        var m = m
        let unit = m["unit"] as? String ?? "GFLOP/s"
        let fill: [String: Any] = ["kernel": m["suite"] ?? "gemm", "size": [String: Int](), "unit": unit,
                                   "higher_is_better": unit != "us", "samples": [m["median"] ?? 0],
                                   "verified": false, "status": "failed"]
        for (key, value) in fill where m[key] == nil { m[key] = value }
        return m
    }
    guard let data = try? JSONSerialization.data(withJSONObject: doc) else { return partial }
    return String(decoding: data, as: UTF8.self)
}

func gemm(_ median: Double, precision: String = "fp32", device: String = "opencl:0:0", unit: String = "GFLOP/s",
          verified: Bool = true, status: String = "ok", engine: String? = nil, peak: Double? = nil) -> String {
    let parameters = engine.map { #", "parameters": {"engine": "\#($0)"}"# } ?? ""
    let theoretical = peak.map { #", "theoretical_peak": \#($0)"# } ?? ""
    return """
    {"device": "\(device)", "suite": "gemm", "kernel": "gemm", "precision": "\(precision)", "size": {"m": 4096, "n": 4096, "k": 4096},
     "unit": "\(unit)", "higher_is_better": true, "median": \(median), "min": \(median * 0.99), "max": \(median * 1.01),
     "samples": [\(median)], "verified": \(verified), "status": "\(status)"\(parameters)\(theoretical)}
    """
}

func stream(_ median: Double, kernel: String, device: String = "opencl:0:0", status: String = "ok") -> String {
    """
    {"device": "\(device)", "suite": "stream", "kernel": "\(kernel)", "precision": "fp32", "size": {"n": 268435456},
     "unit": "GB/s", "higher_is_better": true, "median": \(median), "min": \(median), "max": \(median), "samples": [\(median)],
     "verified": true, "status": "\(status)"}
    """
}
