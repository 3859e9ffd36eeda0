/// Serialises a ``DICOMFile`` as a Part 10 file in Explicit VR Little Endian (or, for encapsulated pixel data,
/// the file's compressed transfer syntax, which is explicit VR little endian too).
///
/// The file meta group is rebuilt (group length, version, SOP class/instance from the data set, transfer
/// syntax, this implementation's class UID). Sequences and items are written with undefined length; values of
/// big-endian sources are byte-swapped by VR; odd-length values are padded. The result re-reads with
/// ``DICOMFile/init(bytes:limits:)``.
public enum DICOMWriter {
    /// This implementation's class UID (a 2.25 UUID-derived UID).
    public static let implementationClassUID = "2.25.177375463017347410573640137357712546617"
    /// This implementation's version name.
    public static let implementationVersionName = "MEDSEARCH_1"

    /// The Part 10 bytes of `file`.
    /// - Throws: ``DICOMError/cannotWrite(reason:)``.
    public static func write(_ file: DICOMFile) throws -> [UInt8] {
        let syntax: TransferSyntax = file.transferSyntax.isEncapsulated ? file.transferSyntax : .explicitVRLittleEndian
        var out = [UInt8](repeating: 0, count: 128)
        out += Array("DICM".utf8)
        // Meta group (always explicit VR little endian).
        var meta = [UInt8]()
        let sopClass = file.dataset.string(.sopClassUID) ?? file.meta.string(.mediaStorageSOPClassUID) ?? ""
        let sopInstance = file.dataset.string(.sopInstanceUID) ?? file.meta.string(.mediaStorageSOPInstanceUID) ?? ""
        let metaElements = [
            DICOMElement(tag: .fileMetaInformationVersion, vr: .OB, value: .bytes([0x00, 0x01])),
            DICOMElement(tag: .mediaStorageSOPClassUID, vr: .UI, string: sopClass),
            DICOMElement(tag: .mediaStorageSOPInstanceUID, vr: .UI, string: sopInstance),
            DICOMElement(tag: .transferSyntaxUID, vr: .UI, string: syntax.uid),
            DICOMElement(tag: .implementationClassUID, vr: .UI, string: implementationClassUID),
            DICOMElement(tag: .implementationVersionName, vr: .SH, string: implementationVersionName),
        ]
        for element in metaElements { try writeElement(element, littleEndianSource: true, into: &meta) }
        try writeElement(DICOMElement(tag: .fileMetaInformationGroupLength, vr: .UL,
                                      value: .bytes(ArraySlice(le32(UInt32(meta.count))))),
                         littleEndianSource: true, into: &out)
        out += meta
        for element in file.dataset.elements where element.tag.group != 0x0002 {
            try writeElement(element, littleEndianSource: file.dataset.isLittleEndian, into: &out)
        }
        return out
    }

    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] {
        [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
    }

    private static func writeTag(_ tag: DICOMTag, into out: inout [UInt8]) {
        out += le16(tag.group)
        out += le16(tag.element)
    }

    static func writeElement(_ element: DICOMElement, littleEndianSource: Bool, into out: inout [UInt8]) throws {
        writeTag(element.tag, into: &out)
        switch element.value {
        case .bytes(let raw):
            var value = Array(raw)
            if !littleEndianSource && element.vr.byteSwapUnit > 1 {
                let unit = element.vr.byteSwapUnit
                guard value.count % unit == 0 else {
                    throw DICOMError.cannotWrite(reason: "\(element.tag) length is not a multiple of \(unit)")
                }
                var i = 0
                while i < value.count {
                    value[i..<(i + unit)].reverse()
                    i += unit
                }
            }
            if value.count % 2 == 1 { value.append(element.vr.paddingByte) }
            var vr = element.vr
            if !vr.usesLongLength && value.count > 0xFFFF { vr = .UN }  // too long for a 16-bit length
            guard value.count <= 0xFFFF_FFFE else { throw DICOMError.cannotWrite(reason: "\(element.tag) too long") }
            let (b0, b1) = vr.bytes
            out.append(b0)
            out.append(b1)
            if vr.usesLongLength {
                out += [0, 0]
                out += le32(UInt32(value.count))
            } else {
                out += le16(UInt16(value.count))
            }
            out += value
        case .sequence(let items):
            out += Array("SQ".utf8) + [0, 0] + le32(0xFFFF_FFFF)
            for item in items {
                writeTag(.item, into: &out)
                out += le32(0xFFFF_FFFF)
                for child in item.elements {
                    try writeElement(child, littleEndianSource: item.isLittleEndian, into: &out)
                }
                writeTag(.itemDelimitation, into: &out)
                out += le32(0)
            }
            writeTag(.sequenceDelimitation, into: &out)
            out += le32(0)
        case .fragments(let table, let fragments):
            out += Array("OB".utf8) + [0, 0] + le32(0xFFFF_FFFF)
            for fragment in [table] + fragments {
                writeTag(.item, into: &out)
                let padded = fragment.count % 2 == 1
                out += le32(UInt32(fragment.count + (padded ? 1 : 0)))
                out += fragment
                if padded { out.append(0) }
            }
            writeTag(.sequenceDelimitation, into: &out)
            out += le32(0)
        }
    }
}
