import Testing
@testable import OpenCLKit

/// Every attribute Suanli reads, keyed by its OpenCL name, so that a dump of them replays to the
/// same device facts (the facts themselves are built in SuanliCore: DeviceInfoFromAttributesTests).
@Suite(.enabled(if: openCLRequired))
struct DeviceAttributesTests {
    @Test func attributesAreKeyedByOpenCLName() throws {
        let (_, device, _, _) = try makeEnvironment()
        let attributes = try device.attributes()
        #expect(attributes.string("CL_DEVICE_NAME") == device.name)
        #expect(["GPU", "CPU", "ACCELERATOR", "CUSTOM"].contains(attributes.string("CL_DEVICE_TYPE") ?? ""))
        #expect((attributes.int("CL_DEVICE_MAX_COMPUTE_UNITS") ?? 0) > 0)
        #expect((attributes.int("CL_DEVICE_GLOBAL_MEM_SIZE") ?? 0) > 0)
        #expect((attributes.int("CL_DEVICE_MAX_MEM_ALLOC_SIZE") ?? 0) > 0)
        #expect((attributes.int("CL_DEVICE_MAX_WORK_GROUP_SIZE") ?? 0) > 0)
        #expect(attributes.string("CL_DEVICE_VERSION")?.hasPrefix("OpenCL ") == true)
        #expect(attributes["CL_DEVICE_MAX_WORK_ITEM_SIZES"]?.ints?.isEmpty == false)
        #expect(attributes.string("CL_DEVICE_EXTENSIONS")?.isEmpty == false)
    }
}
