import SuanliSchema
#if canImport(Glibc)
import Glibc
#endif

/// Open MPI (`libmpi.so.40`, Debian's `openmpi-bin`/`libopenmpi3`), loaded at run time.
///
/// Suanli neither builds nor links against MPI: single-machine users need none of it, and
/// `suanli bench --mpi` opens the library when it starts. Open MPI's handles (`MPI_COMM_WORLD`,
/// `MPI_FLOAT`, `MPI_SUM`, …) are addresses of predefined globals, found with `dlsym`; other MPI
/// implementations (MPICH's integer handles) are not supported by this loader.
public final class MPI: @unchecked Sendable {
    public typealias Handle = OpaquePointer

    public let rank: Int
    public let size: Int
    /// Rank within this node (ranks sharing memory), and ranks on this node.
    public let localRank: Int
    public let localSize: Int
    public let processorName: String
    let world: Handle
    let floatType: Handle, doubleType: Handle, intType: Handle, byteType: Handle
    let sumOp: Handle, maxOp: Handle
    private let api: Functions

    struct Functions {
        let initialize: @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32
        let finalize: @convention(c) () -> Int32
        let commRank: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
        let commSize: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
        let commSplitType: @convention(c) (Handle, Int32, Int32, Handle, UnsafeMutablePointer<Handle?>) -> Int32
        let allreduce: @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
        let barrier: @convention(c) (Handle) -> Int32
        let bcast: @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
        let gather: @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
        let gatherv: @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?, UnsafePointer<Int32>?, UnsafePointer<Int32>?, Handle, Int32, Handle) -> Int32
        let abort: @convention(c) (Handle, Int32) -> Int32
        let processorName: @convention(c) (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32
        let wtime: @convention(c) () -> Double
    }

    /// Names tried for the library, in order; `SUANLI_MPI_LIBRARY` overrides.
    public static let libraryNames = ["libmpi.so.40", "libmpi.so"]

    /// Opens Open MPI and calls `MPI_Init`. Throws a one-line error when MPI cannot be used.
    public init() throws {
        let names = RuntimeLibrary.candidates(Self.libraryNames, override: "SUANLI_MPI_LIBRARY", environment: currentEnvironment())
        // RTLD_GLOBAL: Open MPI's own plugins resolve their symbols against libmpi.
        guard let library = RuntimeLibrary(firstOf: names, flags: RTLD_NOW | RTLD_GLOBAL) else {
            throw BenchmarkError("--mpi needs Open MPI's libmpi.so.40 (Debian: apt-get install openmpi-bin libopenmpi3)")
        }
        func symbol<T>(_ name: String, _ type: T.Type = T.self) throws -> T {
            guard let s: T = library.symbol(name) else { throw BenchmarkError("the MPI library lacks \(name) (is it Open MPI?)") }
            return s
        }
        func global(_ name: String) throws -> Handle { try symbol(name) }
        api = Functions(
            initialize: try symbol("MPI_Init"), finalize: try symbol("MPI_Finalize"),
            commRank: try symbol("MPI_Comm_rank"), commSize: try symbol("MPI_Comm_size"),
            commSplitType: try symbol("MPI_Comm_split_type"), allreduce: try symbol("MPI_Allreduce"),
            barrier: try symbol("MPI_Barrier"), bcast: try symbol("MPI_Bcast"), gather: try symbol("MPI_Gather"), gatherv: try symbol("MPI_Gatherv"),
            abort: try symbol("MPI_Abort"), processorName: try symbol("MPI_Get_processor_name"), wtime: try symbol("MPI_Wtime"))
        world = try global("ompi_mpi_comm_world")
        floatType = try global("ompi_mpi_float")
        doubleType = try global("ompi_mpi_double")
        intType = try global("ompi_mpi_int")
        byteType = try global("ompi_mpi_byte")
        sumOp = try global("ompi_mpi_op_sum")
        maxOp = try global("ompi_mpi_op_max")
        let infoNull = try global("ompi_mpi_info_null")

        guard api.initialize(nil, nil) == 0 else { throw BenchmarkError("MPI_Init failed") }
        var value: Int32 = 0
        _ = api.commRank(world, &value); rank = Int(value)
        _ = api.commSize(world, &value); size = Int(value)
        // Ranks that share memory are on one node: MPI_COMM_TYPE_SHARED is 0 in Open MPI.
        var local: Handle?
        if api.commSplitType(world, 0, Int32(rank), infoNull, &local) == 0, let local {
            _ = api.commRank(local, &value); localRank = Int(value)
            _ = api.commSize(local, &value); localSize = Int(value)
        } else {
            localRank = 0
            localSize = 1
        }
        var name = [CChar](repeating: 0, count: 512)
        var length: Int32 = 0
        _ = api.processorName(&name, &length)
        processorName = String(decoding: name.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func finalize() { _ = api.finalize() }

    /// Ends every rank of the job.
    public func abort(code: Int32) -> Never {
        _ = api.abort(world, code)
        exit(code)
    }

    public func barrier() { _ = api.barrier(world) }
    public func wallTime() -> Double { api.wtime() }

    /// In-place sum over all ranks.
    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let status = api.allreduce(UnsafeRawPointer(bitPattern: 1), buffer.baseAddress, Int32(buffer.count), floatType, sumOp, world)
        if status != 0 { throw BenchmarkError("MPI_Allreduce failed with error \(status)") }
    }

    /// The largest of `value` over all ranks.
    public func allreduceMax(_ value: Double) -> Double {
        var send = value, receive = 0.0
        _ = api.allreduce(&send, &receive, 1, doubleType, maxOp, world)
        return receive
    }

    /// Every rank's `value` on rank 0 (in rank order); other ranks get nil.
    public func gatherDoubles(_ value: Double) throws -> [Double]? {
        var send = value
        var all = [Double](repeating: 0, count: rank == 0 ? size : 1)
        guard api.gather(&send, 1, doubleType, &all, 1, doubleType, 0, world) == 0 else {
            throw BenchmarkError("MPI_Gather failed")
        }
        return rank == 0 ? all : nil
    }

    /// Rank 0's `bytes` on every rank (the argument is ignored on the others).
    public func broadcastBytes(_ bytes: [UInt8]) throws -> [UInt8] {
        var count = Int32(rank == 0 ? bytes.count : 0)
        guard api.bcast(&count, 1, intType, 0, world) == 0 else { throw BenchmarkError("MPI_Bcast failed") }
        var all = rank == 0 ? bytes : [UInt8](repeating: 0, count: Int(count))
        if count > 0 {
            let status = all.withUnsafeMutableBytes { api.bcast($0.baseAddress, count, byteType, 0, world) }
            guard status == 0 else { throw BenchmarkError("MPI_Bcast failed") }
        }
        return all
    }

    /// Gathers every rank's bytes on rank 0 (in rank order); other ranks get nil.
    public func gatherBytes(_ bytes: [UInt8]) throws -> [[UInt8]]? {
        var count = Int32(bytes.count)
        var counts = [Int32](repeating: 0, count: rank == 0 ? size : 1)
        guard api.gather(&count, 1, intType, &counts, 1, intType, 0, world) == 0 else {
            throw BenchmarkError("MPI_Gather failed")
        }
        var displacements = [Int32](repeating: 0, count: counts.count)
        for i in 1..<max(1, counts.count) { displacements[i] = displacements[i - 1] + counts[i - 1] }
        var all = [UInt8](repeating: 0, count: rank == 0 ? Int(counts.reduce(0, +)) : 1)
        let status = bytes.withUnsafeBytes { send in
            all.withUnsafeMutableBytes { receive in
                api.gatherv(send.baseAddress, count, byteType, receive.baseAddress, counts, displacements, byteType, 0, world)
            }
        }
        guard status == 0 else { throw BenchmarkError("MPI_Gatherv failed") }
        guard rank == 0 else { return nil }
        return (0..<size).map { Array(all[Int(displacements[$0])..<Int(displacements[$0] + counts[$0])]) }
    }
}
