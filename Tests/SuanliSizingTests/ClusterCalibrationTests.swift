import Testing
@testable import SuanliSizing

@Suite("Calibration from cluster result files")
struct ClusterCalibrationTests {
    let path = "cluster.json"

    /// A two-rank file of identical devices, rank 1 slower, with an all-reduce sweep.
    var clusterFile: String {
        completeDocument("""
        {"schema": "suanli.result/2",
         "devices": [{"id": "r0:opencl:0:0", "type": "gpu", "name": "Test GPU", "global_memory_bytes": 80000000000},
                     {"id": "r1:opencl:0:0", "type": "gpu", "name": "Test GPU", "global_memory_bytes": 80000000000}],
         "measurements": [
          {"device": "r0:opencl:0:0", "rank": 0, "suite": "gemm", "kernel": "gemm", "precision": "fp32", "unit": "GFLOP/s", "median": 50000, "verified": true, "status": "ok"},
          {"device": "r1:opencl:0:0", "rank": 1, "suite": "gemm", "kernel": "gemm", "precision": "fp32", "unit": "GFLOP/s", "median": 40000, "verified": true, "status": "ok"},
          {"device": "cluster", "suite": "allreduce", "kernel": "allreduce-busbw", "precision": "fp32", "size": {"bytes": 8, "ranks": 2}, "unit": "GB/s", "median": 0.01, "verified": true, "status": "ok"},
          {"device": "cluster", "suite": "allreduce", "kernel": "allreduce-busbw", "precision": "fp32", "size": {"bytes": 268435456, "ranks": 2}, "unit": "GB/s", "median": 80, "verified": true, "status": "ok"},
          {"device": "cluster", "suite": "allreduce", "kernel": "allreduce-busbw", "precision": "fp32", "size": {"bytes": 536870912, "ranks": 2}, "unit": "GB/s", "median": 95, "verified": false, "status": "failed"}
         ]}
        """)
    }

    @Test func slowestIdenticalDeviceAndLargestVerifiedBusbw() throws {
        let c = try Calibration.from(ResultFile.decode(files([path: clusterFile])(path), name: path), name: path,
                                     deviceID: nil, precision: "fp32")
        #expect(c.deviceID == "r1:opencl:0:0")
        #expect(close(c.gemmTFLOPS, 40))
        #expect(c.busGBps == 80)
        #expect(c.busDetail?.contains("256 MiB") == true)
    }

    @Test func dataParallelTermUsesTheMeasuredBusbwAndSaysSo() throws {
        let r = try TrainPlanner.plan(
            train(["params": "7B", "tokens": "1T", "calibrate": path, "precision": "fp32", "devices": "64",
                   "global-batch-tokens": "4M"]),
            catalog: catalog, readFile: files([path: clusterFile]))
        let source = try #require(r.sources.first { $0.0 == "bus_gbps" })
        #expect(source.1.contains("measured all-reduce busbw"))
        #expect(source.1.contains(path))
        // The explicit option still wins.
        let explicit = try TrainPlanner.plan(
            train(["params": "7B", "tokens": "1T", "calibrate": path, "precision": "fp32", "devices": "64",
                   "global-batch-tokens": "4M", "bus-gbps": "10"]),
            catalog: catalog, readFile: files([path: clusterFile]))
        #expect(explicit.sources.first { $0.0 == "bus_gbps" }?.1 == "--bus-gbps")
        #expect(explicit.days > r.days)
    }
}
