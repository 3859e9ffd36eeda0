/// How a data set is encoded: VR explicitness, byte order, deflation and pixel compression.
public struct TransferSyntax: Sendable, Equatable, Hashable {
    /// The transfer syntax UID.
    public let uid: String
    /// A human-readable name.
    public let name: String
    /// Whether elements carry their VR.
    public let isExplicitVR: Bool
    /// Whether numbers are little endian.
    public let isLittleEndian: Bool
    /// Whether the data set after the meta group is deflated (RFC 1951).
    public let isDeflated: Bool
    /// Whether pixel data is encapsulated (compressed fragments).
    public let isEncapsulated: Bool

    /// Implicit VR Little Endian (the DICOM default).
    public static let implicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2", name: "Implicit VR Little Endian", isExplicitVR: false, isLittleEndian: true,
        isDeflated: false, isEncapsulated: false)
    /// Explicit VR Little Endian.
    public static let explicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.1", name: "Explicit VR Little Endian", isExplicitVR: true, isLittleEndian: true,
        isDeflated: false, isEncapsulated: false)
    /// Deflated Explicit VR Little Endian.
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.1.99", name: "Deflated Explicit VR Little Endian", isExplicitVR: true,
        isLittleEndian: true, isDeflated: true, isEncapsulated: false)
    /// Explicit VR Big Endian (retired).
    public static let explicitVRBigEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.2", name: "Explicit VR Big Endian", isExplicitVR: true, isLittleEndian: false,
        isDeflated: false, isEncapsulated: false)
    /// RLE Lossless.
    public static let rleLossless = encapsulated("1.2.840.10008.1.2.5", "RLE Lossless")
    /// JPEG Baseline (Process 1).
    public static let jpegBaseline = encapsulated("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)")
    /// JPEG Extended (Process 2 and 4).
    public static let jpegExtended = encapsulated("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 and 4)")
    /// JPEG Lossless, Non-Hierarchical (Process 14).
    public static let jpegLossless = encapsulated("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)")
    /// JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, selection value 1).
    public static let jpegLosslessSV1 = encapsulated(
        "1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])")
    /// JPEG-LS Lossless.
    public static let jpegLSLossless = encapsulated("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless")
    /// JPEG-LS Near-Lossless.
    public static let jpegLSNearLossless = encapsulated("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)")
    /// JPEG 2000 Lossless Only.
    public static let jpeg2000Lossless = encapsulated("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)")
    /// JPEG 2000.
    public static let jpeg2000 = encapsulated("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression")

    private static func encapsulated(_ uid: String, _ name: String) -> TransferSyntax {
        TransferSyntax(uid: uid, name: name, isExplicitVR: true, isLittleEndian: true, isDeflated: false,
                       isEncapsulated: true)
    }

    /// Every transfer syntax this reader knows by UID.
    public static let known: [TransferSyntax] = [
        implicitVRLittleEndian, explicitVRLittleEndian, deflatedExplicitVRLittleEndian, explicitVRBigEndian,
        rleLossless, jpegBaseline, jpegExtended, jpegLossless, jpegLosslessSV1, jpegLSLossless, jpegLSNearLossless,
        jpeg2000Lossless, jpeg2000,
        encapsulated("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component (Lossless Only)"),
        encapsulated("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component"),
        encapsulated("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level"),
        encapsulated("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile"),
        encapsulated("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 (Lossless Only)"),
        encapsulated("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000"),
    ]

    /// The transfer syntax for `uid`; unknown UIDs are assumed to be encapsulated explicit VR little endian
    /// (every compressed syntax is), so the header still reads and pixel decoding reports the UID.
    public static func forUID(_ uid: String) -> TransferSyntax {
        if let found = known.first(where: { $0.uid == uid }) { return found }
        return TransferSyntax(uid: uid, name: "unknown transfer syntax", isExplicitVR: true, isLittleEndian: true,
                              isDeflated: false, isEncapsulated: true)
    }
}
