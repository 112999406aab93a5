import Testing
@testable import SuanliCore
@testable import SuanliSchema

/// The JSON keys of every record whose `CodingKeys` the build generates (`@SnakeCaseCodingKeys`),
/// pinned as they were written by hand before the macro (sorted): a changed rule, a lost
/// exception or a renamed property fails here instead of changing a file format silently.
@Suite struct SchemaKeysTests {
    static func keys<Key: CodingKey & CaseIterable>(_: Key.Type) -> [String] { Key.allCases.map(\.stringValue).sorted() }

    @Test func resultFileRecords() {
        #expect(Self.keys(AggregateRecord.CodingKeys.self) == ["fastest", "kernel", "median", "overlap", "overlap_threshold", "per_node", "precision", "ranks", "size", "slowest", "step", "straggler_threshold", "stragglers", "suite", "suspect", "total", "unit"])
        #expect(Self.keys(BurnInterval.CodingKeys.self) == ["avg_watts", "clocks_mhz", "error", "gbs_per_watt", "gflops_per_watt", "index", "joules", "kernel", "max_watts", "rate", "runs", "seconds", "start_s", "suite", "temperature_c", "throttle_reasons", "throttled", "unit", "verified"])
        #expect(Self.keys(BurnRecord.CodingKeys.self) == ["device", "duration_s", "elapsed_s", "interval_s", "intervals", "suites", "summary", "verification_errors"])
        #expect(Self.keys(BurnSummary.CodingKeys.self) == ["avg_watts", "first_window_median", "intervals", "kernel", "last_window_median", "median_rate", "peak_temperature_c", "suite", "sustain_ratio", "sustain_window_s", "throttle_reasons", "throttled_intervals", "unit", "verification_errors", "verified_intervals"])
        #expect(Self.keys(CacheLevel.CodingKeys.self) == ["level", "shared_by_cpus", "size_bytes", "type"])
        #expect(Self.keys(ComparisonRecord.CodingKeys.self) == ["baseline_file", "baseline_median", "change", "change_high", "change_low", "confidence", "method", "p_value", "reason", "threshold", "verdict"])
        #expect(Self.keys(DeviceDescriptor.CodingKeys.self) == ["backend", "caches", "compute_units", "driver_version", "features", "global_memory_bytes", "id", "max_clock_mhz", "name", "opencl", "opencl_version", "type", "vendor"])
        #expect(Self.keys(DeviceInfo.CodingKeys.self) == ["compute_units", "driver_version", "extensions", "fp16_advertised", "fp64", "global_cache_bytes", "global_memory_bytes", "id", "local_memory_bytes", "max_allocation_bytes", "max_clock_mhz", "max_work_group_size", "max_work_item_sizes", "name", "native_vector_width", "opencl_c_version", "opencl_version", "pci_bus_id", "platform_name", "platform_version", "preferred_vector_width", "profiling_timer_resolution_ns", "type", "uuid", "vendor", "vendor_attributes", "vendor_id"])
        #expect(Self.keys(EnergyRecord.CodingKeys.self) == ["avg_watts", "end", "error", "gbs_per_watt", "gflops_per_watt", "joules", "max_watts", "note", "samples", "scope", "seconds", "sensors", "source", "start", "throttle_reasons", "throttled"])
        #expect(Self.keys(HierarchyLevel.CodingKeys.self) == ["bandwidth_from_bytes", "bandwidth_gbs", "bandwidth_through_bytes", "bytes", "device", "latency_from_bytes", "latency_ns", "latency_through_bytes", "level", "note", "reported_bytes"])
        #expect(Self.keys(HostInfo.CodingKeys.self) == ["architecture", "caches", "cpu_identity", "cpu_model", "features", "hostname", "hybrid_cores", "kernel", "logical_cores", "max_clock_mhz", "memory_bytes", "os", "physical_cores"])
        #expect(Self.keys(HybridCores.CodingKeys.self) == ["efficiency_cores", "performance_cores"])
        #expect(Self.keys(Measurement.CodingKeys.self) == ["comparison", "cv", "device", "energy", "fraction_of_peak", "higher_is_better", "host_clock_disagreement", "kernel", "max", "median", "min", "p10", "p90", "parameters", "peak_basis", "precision", "rank", "reason", "repeat_medians", "repeat_sample_counts", "samples", "size", "status", "suite", "theoretical_peak", "timing", "unit", "verified"])
        #expect(Self.keys(RankInfo.CodingKeys.self) == ["clock_offset", "clock_uncertainty", "devices", "host", "local_rank", "rank", "steps"])
        #expect(Self.keys(ResultDocument.CodingKeys.self) == ["aggregate", "burn", "command_line", "created", "devices", "hierarchy", "host", "incomplete", "measurements", "ranks", "run_id", "schema", "tool"])
        #expect(Self.keys(ResultDocument.ToolInfo.CodingKeys.self) == ["build_configuration", "cpu_kernel_variant", "git_commit", "name", "opencl_kernels", "version"])
        #expect(Self.keys(Summary.CodingKeys.self) == ["count", "cv", "max", "mean", "median", "min", "p10", "p90", "stddev"])
        #expect(Self.keys(VendorAttributes.CodingKeys.self) == ["amd_board_name", "amd_gfxip_major", "amd_gfxip_minor", "amd_pcie_id", "amd_simd_per_cu", "amd_simd_width", "intel_device_id", "intel_eus_per_sub_slice", "intel_ip_version", "intel_slices", "intel_sub_group_sizes", "intel_sub_slices_per_slice", "intel_threads_per_eu", "nv_compute_capability_major", "nv_compute_capability_minor"])
    }

    @Test func coreRecords() {
        #expect(Self.keys(ChangeEstimate.CodingKeys.self) == ["baseline_repeats", "baseline_samples", "change", "confidence", "current_repeats", "current_samples", "high", "low", "method"])
        #expect(Self.keys(ComparisonRow.CodingKeys.self) == ["baseline", "change", "current", "higher_is_better", "interval", "key", "reason", "threshold", "unit", "verdict"])
        #expect(Self.keys(DeviceAnalysis.CodingKeys.self) == ["bandwidth", "engines", "last_level_cache", "peaks"])
        #expect(Self.keys(DeviceAnalysis.EngineEntry.CodingKeys.self) == ["engine", "kernel", "precision", "skip_reason", "suite"])
        #expect(Self.keys(GEMMConfig.CodingKeys.self) == ["defines", "device_type", "local", "name", "tile_m", "tile_n"])
        #expect(Self.keys(SensorReport.CodingKeys.self) == ["attaches_to", "condition", "energy_joules", "error", "id", "name", "note", "pci_bus_id", "scope", "source", "uuid", "watts"])
        #expect(Self.keys(StatedPeak.CodingKeys.self) == ["basis", "clock_mhz", "clock_source", "engine", "gflops", "gflops_at_max_clock", "max_clock_mhz", "precision"])
        #expect(Self.keys(TuningCache.Record.CodingKeys.self) == ["commit", "config", "date", "device", "driver", "family", "gflops", "kernel_hash", "platform", "precision", "runner_up", "runner_up_gflops", "shape", "suanli_version"])
        #expect(Self.keys(TuningDatabase.Entry.CodingKeys.self) == ["config", "family", "kernel_hash", "precision", "provenance"])
        #expect(Self.keys(TuningDatabase.Provenance.CodingKeys.self) == ["commit", "date", "device", "driver", "gflops", "platform", "runner_up", "runner_up_gflops", "shape", "suanli_version"])
    }
}
