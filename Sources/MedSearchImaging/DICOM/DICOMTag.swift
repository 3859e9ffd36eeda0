/// A DICOM attribute tag: (group, element).
public struct DICOMTag: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// `group << 16 | element`.
    public let rawValue: UInt32

    /// Creates a tag from its packed value.
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Creates a tag from group and element numbers.
    @inlinable public init(_ group: UInt16, _ element: UInt16) {
        rawValue = UInt32(group) << 16 | UInt32(element)
    }

    /// The group number.
    @inlinable public var group: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }
    /// The element number.
    @inlinable public var element: UInt16 { UInt16(truncatingIfNeeded: rawValue) }
    /// Whether the tag is private (odd group, other than the reserved item/delimiter group FFFE).
    @inlinable public var isPrivate: Bool { group & 1 == 1 && group != 0xFFFF }
    /// Whether this is a private creator element (gggg,0010-00FF) in an odd group.
    @inlinable public var isPrivateCreator: Bool { isPrivate && element >= 0x10 && element <= 0xFF }

    public static func < (lhs: DICOMTag, rhs: DICOMTag) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `(gggg,eeee)` in upper-case hex.
    public var description: String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = [40]
        for shift in stride(from: 28, through: 0, by: -4) {
            out.append(digits[Int((rawValue >> UInt32(shift)) & 0xF)])
            if shift == 16 { out.append(44) }
        }
        out.append(41)
        return String(decoding: out, as: UTF8.self)
    }

    // Items and delimiters.
    /// Item (FFFE,E000).
    public static let item = DICOMTag(0xFFFE, 0xE000)
    /// Item Delimitation Item (FFFE,E00D).
    public static let itemDelimitation = DICOMTag(0xFFFE, 0xE00D)
    /// Sequence Delimitation Item (FFFE,E0DD).
    public static let sequenceDelimitation = DICOMTag(0xFFFE, 0xE0DD)

    // File meta information.
    /// File Meta Information Group Length.
    public static let fileMetaInformationGroupLength = DICOMTag(0x0002, 0x0000)
    /// File Meta Information Version.
    public static let fileMetaInformationVersion = DICOMTag(0x0002, 0x0001)
    /// Media Storage SOP Class UID.
    public static let mediaStorageSOPClassUID = DICOMTag(0x0002, 0x0002)
    /// Media Storage SOP Instance UID.
    public static let mediaStorageSOPInstanceUID = DICOMTag(0x0002, 0x0003)
    /// Transfer Syntax UID.
    public static let transferSyntaxUID = DICOMTag(0x0002, 0x0010)
    /// Implementation Class UID.
    public static let implementationClassUID = DICOMTag(0x0002, 0x0012)
    /// Implementation Version Name.
    public static let implementationVersionName = DICOMTag(0x0002, 0x0013)

    // Identification and patient.
    /// SOP Class UID.
    public static let sopClassUID = DICOMTag(0x0008, 0x0016)
    /// SOP Instance UID.
    public static let sopInstanceUID = DICOMTag(0x0008, 0x0018)
    /// Study Date.
    public static let studyDate = DICOMTag(0x0008, 0x0020)
    /// Modality.
    public static let modality = DICOMTag(0x0008, 0x0060)
    /// Patient's Name.
    public static let patientName = DICOMTag(0x0010, 0x0010)
    /// Patient ID.
    public static let patientID = DICOMTag(0x0010, 0x0020)
    /// Patient's Birth Date.
    public static let patientBirthDate = DICOMTag(0x0010, 0x0030)
    /// Patient Identity Removed.
    public static let patientIdentityRemoved = DICOMTag(0x0012, 0x0062)
    /// De-identification Method.
    public static let deidentificationMethod = DICOMTag(0x0012, 0x0063)
    /// Study Instance UID.
    public static let studyInstanceUID = DICOMTag(0x0020, 0x000D)
    /// Series Instance UID.
    public static let seriesInstanceUID = DICOMTag(0x0020, 0x000E)

    // Image pixel module.
    /// Samples per Pixel.
    public static let samplesPerPixel = DICOMTag(0x0028, 0x0002)
    /// Photometric Interpretation.
    public static let photometricInterpretation = DICOMTag(0x0028, 0x0004)
    /// Planar Configuration.
    public static let planarConfiguration = DICOMTag(0x0028, 0x0006)
    /// Number of Frames.
    public static let numberOfFrames = DICOMTag(0x0028, 0x0008)
    /// Rows.
    public static let rows = DICOMTag(0x0028, 0x0010)
    /// Columns.
    public static let columns = DICOMTag(0x0028, 0x0011)
    /// Bits Allocated.
    public static let bitsAllocated = DICOMTag(0x0028, 0x0100)
    /// Bits Stored.
    public static let bitsStored = DICOMTag(0x0028, 0x0101)
    /// High Bit.
    public static let highBit = DICOMTag(0x0028, 0x0102)
    /// Pixel Representation (0 unsigned, 1 signed).
    public static let pixelRepresentation = DICOMTag(0x0028, 0x0103)
    /// Burned In Annotation.
    public static let burnedInAnnotation = DICOMTag(0x0028, 0x0301)
    /// Window Center.
    public static let windowCenter = DICOMTag(0x0028, 0x1050)
    /// Window Width.
    public static let windowWidth = DICOMTag(0x0028, 0x1051)
    /// Rescale Intercept.
    public static let rescaleIntercept = DICOMTag(0x0028, 0x1052)
    /// Rescale Slope.
    public static let rescaleSlope = DICOMTag(0x0028, 0x1053)
    /// Red Palette Color Lookup Table Descriptor.
    public static let redPaletteDescriptor = DICOMTag(0x0028, 0x1101)
    /// Green Palette Color Lookup Table Descriptor.
    public static let greenPaletteDescriptor = DICOMTag(0x0028, 0x1102)
    /// Blue Palette Color Lookup Table Descriptor.
    public static let bluePaletteDescriptor = DICOMTag(0x0028, 0x1103)
    /// Red Palette Color Lookup Table Data.
    public static let redPaletteData = DICOMTag(0x0028, 0x1201)
    /// Green Palette Color Lookup Table Data.
    public static let greenPaletteData = DICOMTag(0x0028, 0x1202)
    /// Blue Palette Color Lookup Table Data.
    public static let bluePaletteData = DICOMTag(0x0028, 0x1203)
    /// Modality LUT Sequence.
    public static let modalityLUTSequence = DICOMTag(0x0028, 0x3000)
    /// LUT Descriptor.
    public static let lutDescriptor = DICOMTag(0x0028, 0x3002)
    /// LUT Data.
    public static let lutData = DICOMTag(0x0028, 0x3006)
    /// VOI LUT Function.
    public static let voiLUTFunction = DICOMTag(0x0028, 0x1056)
    /// Pixel Data.
    public static let pixelData = DICOMTag(0x7FE0, 0x0010)
    /// Float Pixel Data.
    public static let floatPixelData = DICOMTag(0x7FE0, 0x0008)
    /// Double Float Pixel Data.
    public static let doubleFloatPixelData = DICOMTag(0x7FE0, 0x0009)
    /// Data Set Trailing Padding.
    public static let dataSetTrailingPadding = DICOMTag(0xFFFC, 0xFFFC)
}
