import SuanliSchema

/// The check every suite makes before it allocates: the largest single buffer against the
/// device's largest allocation, all its buffers against the device's memory, and what the host
/// must hold (inputs, references, and the device buffers themselves where the device is the
/// host) against the host's available memory. A request that does not fit becomes a failed
/// measurement with this error's one line, never an allocation failure.
public enum MemoryBudget {
    /// Throws ``BenchmarkError`` when the request cannot fit.
    /// - Parameters:
    ///   - deviceBytes: all device buffers together.
    ///   - largestAllocation: the largest single device buffer.
    ///   - hostBytes: host memory the suite needs besides the device buffers.
    public static func check(_ backend: any DeviceProfile, deviceBytes: Int, largestAllocation: Int, hostBytes: Int,
                             what: String, available: Int? = HostInfo.availableMemoryBytes()) throws {
        if largestAllocation > backend.maxAllocationBytes {
            throw BenchmarkError("\(what): a buffer of \(displayBytes(largestAllocation)) exceeds the device's largest allocation "
                + "(\(displayBytes(backend.maxAllocationBytes)))")
        }
        if deviceBytes > backend.memoryBytes * 9 / 10 {
            throw BenchmarkError("\(what): \(displayBytes(deviceBytes)) of buffers exceed 90% of the device's memory "
                + "(\(displayBytes(backend.memoryBytes)))")
        }
        let onHost = hostBytes + (backend.deviceMemoryIsHostMemory ? deviceBytes : 0)
        if let available, onHost > available * 9 / 10 {
            throw BenchmarkError("\(what): needs \(displayBytes(onHost)) of host memory; \(displayBytes(available)) is available (MemAvailable)")
        }
    }
}
