import Foundation
import MedSearchImaging
import Testing
import _MedSearchTestSupport

/// Every file of ../shared/data/dicom against the reference reader's manifest.
@Suite struct DICOMManifestTests {
    struct Row {
        var fields: [String: String]
        subscript(_ key: String) -> String { fields[key] ?? "" }
    }

    /// Splits a CSV line with double-quoted fields.
    static func csvFields(_ line: String) -> [String] {
        var fields = [String](), current = "", quoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" { quoted = false } else { current.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }

    static func manifest() -> (URL, [Row])? {
        guard let url = TestData.sharedFile("dicom/manifest.csv"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = csvFields(lines[0])
        let rows = lines.dropFirst().map { line in
            Row(fields: Dictionary(uniqueKeysWithValues: zip(header, csvFields(line))))
        }
        return (url.deletingLastPathComponent(), rows)
    }

    @Test(.enabled(if: TestData.hasShared("dicom/manifest.csv"), "needs ../shared/data/dicom/manifest.csv"))
    func everyManifestFileMatchesTheReference() throws {
        let (directory, rows) = try #require(Self.manifest())
        #expect(rows.count >= 30)
        var decoded = 0, rejected = 0
        for row in rows {
            let name = row["file"]
            let url = directory.appendingPathComponent(name)
            let outcome: Result<InspectReport, any Error> = Result {
                try ImageInspector.dicomReport(DICOMFile(contentsOf: url))
            }
            func optional(_ key: String) -> String? { row[key].isEmpty ? nil : row[key] }
            func optionalInt(_ key: String) -> Int? { Int(row[key]) }
            switch outcome {
            case .success(let report):
                decoded += 1
                #expect(report.format == "dicom", "\(name)")
                #expect(report.transferSyntax == optional("transfer_syntax"), "\(name) transfer syntax")
                #expect(report.modality == optional("modality"), "\(name) modality")
                #expect(report.rows == optionalInt("rows"), "\(name) rows")
                #expect(report.columns == optionalInt("columns"), "\(name) columns")
                if let frames = optionalInt("frames") { #expect(report.frames == frames, "\(name) frames") }
                #expect(report.bitsAllocated == optionalInt("bits_allocated"), "\(name) bits")
                #expect(report.samplesPerPixel == optionalInt("samples_per_pixel"), "\(name) samples")
                #expect(report.photometric == optional("photometric"), "\(name) photometric")
                #expect((report.pixelSHA256 != nil) == (row["has_pixels"] == "True"), "\(name) has pixels")
                if row["decodes_with_reference"] == "yes" {
                    // The manifest's min/max span every frame (pydicom's pixel_array); inspect's pixelMin/Max are
                    // the first frame's, as the inspect contract says. Check both against the right range.
                    let all = try DICOMFile(contentsOf: url).decodePixels()
                    #expect(Int(all.samples.min()!) == optionalInt("pixel_min"), "\(name) min")
                    #expect(Int(all.samples.max()!) == optionalInt("pixel_max"), "\(name) max")
                    let first = all.frame(0)
                    #expect(report.pixelMin == Int(first.min()!) && report.pixelMax == Int(first.max()!), "\(name) first frame")
                    let prefix = row["pixel_sha256_first_frame_le"]
                    #expect(report.pixelSHA256?.hasPrefix(prefix) == true && prefix.count == 16, "\(name) sha256")
                }
            case .failure(let error):
                rejected += 1
                // Only files the reference could not decode may be rejected, and only with a typed error.
                #expect(row["decodes_with_reference"] != "yes", "\(name) failed: \(error)")
                #expect(error is DICOMError, "\(name): untyped error \(error)")
                if let dicomError = error as? DICOMError, case .unsupportedTransferSyntax(let uid, _) = dicomError {
                    #expect(uid == row["transfer_syntax"], "\(name) error names its transfer syntax")
                }
                print("rejected \(name): \(error)")
            }
        }
        print("manifest: \(decoded) read, \(rejected) rejected with typed errors")
    }
}
