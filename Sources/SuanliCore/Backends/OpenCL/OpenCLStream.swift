import SuanliSchema
import OpenCLKit

/// BabelStream's kernels on an OpenCL device.
final class OpenCLStreamRunner: StreamRunner {
    let backend: OpenCLBackend
    let precision: Precision
    let length: Int
    let a: Buffer, b: Buffer, c: Buffer, partial: Buffer
    let kernels: [StreamKernel: Kernel]
    let vectorWidth: Int, elementsPerItem: Int, local: Int?, dotGroupSize: Int, dotGroups: Int
    let dotContiguous: Bool, dotSums: Int
    /// CPU devices: copy/mul/add/triad run as `streamItems` work-items of one, each over one
    /// contiguous slice, with streaming stores where the compiler takes them (`nonTemporal`).
    let contiguous: Bool, streamItems: Int, nonTemporal: Bool
    let parameters: [String: String]

    init(backend: OpenCLBackend, precision: Precision, length: Int) throws {
        self.backend = backend
        self.precision = precision
        self.length = length
        let gpu = backend.info.type == .gpu
        // GPUs: 4-wide vectors, one per work-item, 256-item groups (coalesced); dot: 256-item groups
        // striding through their chunk. CPU devices: 16-wide vectors, several per work-item,
        // driver-chosen groups; dot: one work-item per group streaming a contiguous chunk with two
        // sums (a strided dot starts a new page at every step and reaches a quarter of triad).
        vectorWidth = gpu ? 4 : 16
        elementsPerItem = gpu ? 1 : 4
        local = gpu ? 256 : nil
        dotGroupSize = gpu ? 256 : 1
        dotGroups = max(1, backend.info.computeUnits) * (gpu ? 8 : 32)
        dotContiguous = !gpu
        dotSums = gpu ? 1 : 2
        // CPU devices: the strided layout above reaches about 3/4 of the read bandwidth on triad,
        // as every store first reads its line (write-allocate). One contiguous slice per work-item
        // with streaming stores writes whole lines in order and skips that read (Intel's CPU
        // runtime and PoCL: triad 1.3x). Streaming stores with the strided layout are slower
        // than plain ones (lines are filled piecewise across work-items).
        contiguous = !gpu
        streamItems = dotGroups
        let options = OpenCLBackend.precisionDefines(precision)
            + " -DVW=\(vectorWidth) -DELEMS_PER_ITEM=\(elementsPerItem) -DDOT_WG=\(dotGroupSize)"
            + " -DDOT_CONTIGUOUS=\(dotContiguous ? 1 : 0) -DDOT_ACCS=\(dotSums) -DSTREAM_CONTIGUOUS=\(contiguous ? 1 : 0)"
        // A compiler without clang's __builtin_nontemporal_store gets plain stores.
        let program: Program
        var nonTemporal = contiguous
        do {
            program = try backend.program("stream.cl", options: options + (nonTemporal ? " -DSTREAM_NT=1" : ""))
        } catch OpenCLError.buildFailed where nonTemporal {
            nonTemporal = false
            program = try backend.program("stream.cl", options: options)
        }
        self.nonTemporal = nonTemporal
        var kernels: [StreamKernel: Kernel] = [:]
        for kernel in StreamKernel.allCases { kernels[kernel] = try program.kernel(named: "stream_" + kernel.rawValue) }
        self.kernels = kernels
        let bytes = length * precision.elementBytes
        a = try backend.buffer(bytes: bytes)
        b = try backend.buffer(bytes: bytes)
        c = try backend.buffer(bytes: bytes)
        partial = try backend.buffer(bytes: dotGroups * precision.accumulatorBytes)
        parameters = ["VW": "\(vectorWidth)", "ELEMS_PER_ITEM": "\(elementsPerItem)",
                      "local": local.map(String.init) ?? "driver", "DOT_WG": "\(dotGroupSize)", "dot_groups": "\(dotGroups)",
                      "DOT_CONTIGUOUS": dotContiguous ? "1" : "0", "DOT_ACCS": "\(dotSums)",
                      "STREAM_CONTIGUOUS": contiguous ? "1" : "0", "STREAM_NT": nonTemporal ? "1" : "0"]
            .merging(contiguous ? ["stream_items": "\(streamItems)"] : [:]) { a, _ in a }
    }

    func upload(a: [Double], b: [Double], c: [Double]) throws {
        try backend.write(self.a, HostArray.bytes(a, precision))
        try backend.write(self.b, HostArray.bytes(b, precision))
        try backend.write(self.c, HostArray.bytes(c, precision))
    }

    func outputBuffer(_ kernel: StreamKernel) -> Buffer? {
        switch kernel {
        case .copy, .add: c
        case .mul: b
        case .triad: a
        case .dot: nil
        }
    }

    func poisonOutput(of kernel: StreamKernel) throws {
        if let buffer = outputBuffer(kernel) { try backend.write(buffer, HostArray.poison(count: length, precision)) }
    }

    func run(_ kernel: StreamKernel, scalar: Double) throws -> (seconds: Double, dot: Double?) {
        let k = kernels[kernel]!
        let n = UInt64(length)
        switch kernel {
        case .copy: try k.setArguments(.buffer(a), .buffer(c), .value(n))
        case .mul: try k.setArguments(.buffer(b), .buffer(c), precision.scalarArgument(scalar), .value(n))
        case .add: try k.setArguments(.buffer(a), .buffer(b), .buffer(c), .value(n))
        case .triad: try k.setArguments(.buffer(a), .buffer(b), .buffer(c), precision.scalarArgument(scalar), .value(n))
        case .dot:
            try k.setArguments(.buffer(a), .buffer(b), .buffer(partial), .value(n))
            let seconds = try backend.timed(k, global: [dotGroups * dotGroupSize], local: [dotGroupSize])
            let accPrecision: Precision = precision == .mixed ? .fp32 : precision
            let sums = HostArray.values(try backend.read(partial, count: dotGroups * accPrecision.elementBytes), accPrecision)
            return (seconds, sums.reduce(0, +))
        }
        if contiguous { return (try backend.timed(k, global: [streamItems], local: [1]), nil) }
        let vectors = (length + vectorWidth - 1) / vectorWidth
        var items = (vectors + elementsPerItem - 1) / elementsPerItem
        if let local { items = (items + local - 1) / local * local }
        return (try backend.timed(k, global: [items], local: local.map { [$0] }), nil)
    }

    func downloadOutput(of kernel: StreamKernel) throws -> [Double] {
        guard let buffer = outputBuffer(kernel) else { return [] }
        return HostArray.values(try backend.read(buffer, count: length * precision.elementBytes), precision)
    }
}
