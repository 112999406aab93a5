import Foundation
import Testing
@testable import SuanliCore
import SuanliSchema

/// The JSON keys of the committed files are the schema: every key of a committed result file and
/// of a replayed device dump must come back when the file is decoded and written again, so that a
/// renamed property (or a changed coding-key rule) cannot drop or move a field silently.
@Suite struct SchemaStabilityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every object key path in a JSON value (array positions folded into `[]`).
    static func keyPaths(_ value: Any, _ prefix: String = "", into paths: inout Set<String>) {
        if let object = value as? [String: Any] {
            for (key, child) in object {
                paths.insert(prefix + "." + key)
                keyPaths(child, prefix + "." + key, into: &paths)
            }
        } else if let array = value as? [Any] {
            for child in array { keyPaths(child, prefix + "[]", into: &paths) }
        }
    }

    static func keyPaths(_ data: Data) throws -> Set<String> {
        var paths = Set<String>()
        keyPaths(try JSONSerialization.jsonObject(with: data), into: &paths)
        return paths
    }

    @Test(arguments: ["Results/20261125T175639-vm-88b70e4c.json", "Results/20261125T180027-vm-31c790c3.json"])
    func resultFilesKeepEveryKey(_ name: String) throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent(name))
        let written = try ResultStore.decode(data, name: name).encoded()
        let original = try Self.keyPaths(data)
        #expect(original.count > 50)
        #expect(original.subtracting(try Self.keyPaths(written)).sorted() == [])
    }

    @Test func deviceDumpsKeepEveryKey() throws {
        let folder = Self.root.appendingPathComponent("Tests/SuanliCoreTests/Fixtures/devices")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(files.count >= 10)
        for file in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            let written = try DeviceReplay.encode(try DeviceReplay.decode(data, source: file))
            #expect(try Self.keyPaths(data).subtracting(try Self.keyPaths(written)).sorted() == [], "\(file)")
        }
    }
}
