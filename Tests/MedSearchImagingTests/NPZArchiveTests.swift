import Foundation
@testable import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("NPZ and NPY reader")
struct NPZArchiveTests {
    @Test("stored and deflated archives give the arrays the script wrote", arguments: ["stored.npz", "deflated.npz"])
    func fixture(name: String) throws {
        let archive = try NPZArchive(bytes: try RasterFixtures.bytes(name))
        let want = try RasterFixtures.expectedNPZ()
        #expect(Set(archive.names) == ["train_images", "train_labels", "floats", "big_endian"])
        let images = try archive.array(named: "train_images")
        #expect(images.shape == [3, 4, 5])
        #expect(try images.int32s() == want.train_images)
        #expect(try archive.array(named: "train_labels.npy").int32s() == want.train_labels)
        let floats = try archive.array(named: "floats")
        #expect(floats.dtype == NPYArray.DType(kind: "f", size: 4, littleEndian: true))
        #expect(floats.doubles().map { Float($0) } == want.floats.map { Float($0) })
        #expect(try archive.array(named: "big_endian").int32s() == want.big_endian)
        let buffers = try images.imageBuffers()
        #expect(buffers.count == 3)
        #expect(buffers[1].rows == 4 && buffers[1].columns == 5)
        #expect(buffers[1].samples == Array(want.train_images[20..<40]))
    }

    @Test("a missing array is reported by name")
    func missing() throws {
        let archive = try NPZArchive(bytes: try RasterFixtures.bytes("stored.npz"))
        #expect(throws: RasterError.missingArray(name: "val_images")) { try archive.array(named: "val_images") }
    }

    @Test("Fortran-ordered arrays are returned in C order")
    func fortranOrder() throws {
        let header = "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count), 0]
        bytes += Array(header.utf8)
        // Column-major storage of [[1, 2, 3], [4, 5, 6]].
        for value: Int16 in [1, 4, 2, 5, 3, 6] { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
        #expect(try NPYArray(npy: bytes).int32s() == [1, 2, 3, 4, 5, 6])
    }

    @Test("corruption, truncation and mutations give typed errors")
    func robustness() throws {
        for name in ["stored.npz", "deflated.npz"] {
            let original = try RasterFixtures.bytes(name)
            for length in stride(from: 0, to: original.count, by: 7) {
                let prefix = Array(original.prefix(length))
                do {
                    let archive = try NPZArchive(bytes: prefix)
                    for array in archive.names { _ = try? archive.array(named: array) }
                } catch is RasterError {}
            }
            var generator = seededGenerator(0xF022_0002)
            var failures = 0
            for _ in 0..<1500 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                do {
                    let archive = try NPZArchive(bytes: bytes)
                    for array in archive.names {
                        do { _ = try archive.array(named: array).doubles() } catch is RasterError { failures += 1 }
                    }
                } catch is RasterError {
                    failures += 1
                }
            }
            #expect(failures > 0)
        }
    }

    @Test("PneumoniaMNIST from the shared corpus", .enabled(if: TestData.hasShared("pneumoniamnist/pneumoniamnist.npz"), "needs ../shared/data/pneumoniamnist/pneumoniamnist.npz"))
    func pneumoniaMNIST() throws {
        let url = try #require(TestData.sharedFile("pneumoniamnist/pneumoniamnist.npz"))
        let archive = try NPZArchive(contentsOf: url)
        #expect(Set(archive.names) == ["train_images", "train_labels", "val_images", "val_labels", "test_images", "test_labels"])
        let images = try archive.array(named: "test_images")
        #expect(images.shape == [468, 28, 28])
        let labels = try archive.array(named: "train_labels").int32s()
        #expect(labels.count == 2428)
        #expect(labels.filter { $0 == 1 }.count == 1214)
    }
}
