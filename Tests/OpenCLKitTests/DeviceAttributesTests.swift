import Testing
@testable import OpenCLKit

/// A device's facts are built from its attributes, so a dump of them replays to the same facts.
@Suite(.enabled(if: openCLRequired))
struct DeviceAttributesTests {
    @Test func infoIsBuiltFromTheAttributesByOpenCLName() throws {
        let (_, device, _, _) = try makeEnvironment()
        let attributes = try device.attributes()
        #expect(try device.info() == DeviceInfo(attributes: attributes, id: device.identifier))
        #expect(attributes.string("CL_DEVICE_NAME") == device.name)
        #expect(["GPU", "CPU", "ACCELERATOR", "CUSTOM"].contains(attributes.string("CL_DEVICE_TYPE") ?? ""))
        #expect((attributes.int("CL_DEVICE_MAX_COMPUTE_UNITS") ?? 0) > 0)
        #expect(attributes["CL_DEVICE_MAX_WORK_ITEM_SIZES"]?.ints?.isEmpty == false)
        #expect(attributes.string("CL_DEVICE_EXTENSIONS")?.isEmpty == false)
    }

    @Test func missingAttributesReadAsNotReported() {
        let info = DeviceInfo(attributes: DeviceAttributes(["CL_DEVICE_NAME": .string("x"), "CL_DEVICE_TYPE": .string("ACCELERATOR"),
                                                            "CL_DEVICE_GFXIP_MAJOR_AMD": .int(9)]), id: "replay:0")
        #expect(info.type == .accelerator)
        #expect(info.computeUnits == 0 && info.extensions.isEmpty && !info.supportsFP64)
        #expect(info.vendorAttributes == VendorAttributes(amdGfxIPMajor: 9))
    }
}
