import Foundation
import Testing
@testable import SuanliCore

@Suite struct ResultStoreTests {
    func document() -> ResultDocument {
        var m = Measurement(device: "cpu", suite: .stream, kernel: "triad", precision: .fp32, size: ["n": 10], unit: .gbps)
        m.record(samples: [1, 2, 3], verification: .passed)
        return ResultDocument(runID: "abcdef0123", created: "2026-11-25T18:00:00Z",
                              tool: .init(name: "suanli", version: "0", buildConfiguration: "debug", cpuKernelVariant: "portable", openCLKernels: "embedded"),
                              commandLine: ["suanli", "bench"], host: HostInfo.current(), devices: [DeviceDescriptor(host: HostInfo.current())],
                              measurements: [m], incomplete: false)
    }

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "suanli-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func roundTripAndNoOverwrite() throws {
        let dir = try folder()
        let first = try ResultStore.write(document(), folder: dir)
        let second = try ResultStore.write(document(), folder: dir)
        #expect(first != second)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(files.count == 2, "no temporary file left: \(files)")
        let back = try ResultStore.read(first)
        #expect(back.measurements.first?.median == 2)
        #expect(back.schema == ResultDocument.currentSchema)
    }

    @Test func foreignCorruptAndWrongVersionFilesGiveOneLine() throws {
        let dir = try folder()
        let cases: [(String, String)] = [("corrupt", "{\"schema\": \"suanli.res"), ("foreign", "{\"name\": 1}"),
                                         ("version", "{\"schema\": \"suanli.result/99\"}")]
        for (name, text) in cases {
            let path = dir + "/\(name).json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: BenchmarkError.self) { _ = try ResultStore.read(path) }
            do { _ = try ResultStore.read(path) } catch {
                #expect("\(error)".contains(path))
                #expect(!"\(error)".contains("\n"))
            }
        }
    }

    @Test func versionOneFilesAreReadAndMigrated() throws {
        let dir = try folder()
        var data = try document().encoded()
        var text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "suanli.result/2", with: "suanli.result/1")
        // Version 1 had no git commit.
        text = text.replacingOccurrences(of: #""git_commit" : "[^"]*","#, with: "", options: .regularExpression)
        data = Data(text.utf8)
        let path = dir + "/v1.json"
        try data.write(to: URL(fileURLWithPath: path))
        let read = try ResultStore.read(path)
        #expect(read.schema == ResultDocument.currentSchema)
        #expect(read.tool.gitCommit == nil)
        #expect(read.measurements.count == 1)
    }
}
