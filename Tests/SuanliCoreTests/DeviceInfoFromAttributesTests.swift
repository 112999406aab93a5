import Foundation
import OpenCLKit
import Testing
@testable import SuanliCore

/// A device's facts (the schema's ``DeviceInfo``) are built from its attributes, so a dump of
/// them replays to the same facts as the live device.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil))
struct DeviceInfoFromAttributesTests {
    @Test func liveInfoIsBuiltFromTheAttributes() throws {
        for found in try openCLTestDevices() {
            let attributes = try found.device.attributes()
            let info = try found.device.info()
            #expect(info == DeviceInfo(attributes: attributes, id: found.device.identifier))
            #expect(info == found.info)
            #expect(!info.name.isEmpty && info.computeUnits > 0 && info.globalMemoryBytes > 0)
            #expect(info.maxAllocationBytes > 0 && info.maxWorkGroupSize > 0)
            #expect(info.deviceVersion.hasPrefix("OpenCL "))
        }
    }

    @Test func missingAttributesReadAsNotReported() {
        let info = DeviceInfo(attributes: DeviceAttributes(["CL_DEVICE_NAME": .string("x"), "CL_DEVICE_TYPE": .string("ACCELERATOR"),
                                                            "CL_DEVICE_GFXIP_MAJOR_AMD": .int(9)]), id: "replay:0")
        #expect(info.type == .accelerator)
        #expect(info.computeUnits == 0 && info.extensions.isEmpty && !info.supportsFP64)
        #expect(info.vendorAttributes == VendorAttributes(amdGfxIPMajor: 9))
    }

    @Test func deviceTypeNamesRoundTrip() {
        for (name, type) in [("GPU", DeviceType.gpu), ("CPU", .cpu), ("ACCELERATOR", .accelerator), ("CUSTOM", .custom)] {
            #expect(DeviceType(attributeName: name) == type)
        }
        #expect(DeviceType(attributeName: nil) == .custom)
    }
}
