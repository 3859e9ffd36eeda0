import MedSearchImaging

/// The query/retrieve level of a QIDO-RS search, ordered from the top.
public enum QIDOLevel: Int, Sendable, Comparable, CaseIterable {
    /// Studies (`/studies`).
    case study
    /// Series (`/series`, `/studies/{study}/series`).
    case series
    /// Instances (`/instances`, `/studies/{study}/instances`, `/studies/{study}/series/{series}/instances`).
    case instance

    public static func < (lhs: QIDOLevel, rhs: QIDOLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The attribute that identifies one entity at this level.
    public var uniqueKey: DICOMTag {
        switch self {
        case .study: .studyInstanceUID
        case .series: .seriesInstanceUID
        case .instance: .sopInstanceUID
        }
    }
}

/// One attribute DICOMweb matches on or returns: tag, VR, keyword and the level it belongs to.
public struct DICOMwebAttribute: Sendable, Equatable {
    /// The tag.
    public var tag: DICOMTag
    /// Its value representation.
    public var vr: DICOMVR
    /// The PS3.6 keyword.
    public var keyword: String
    /// The level it belongs to (patient attributes are study level).
    public var level: QIDOLevel
    /// Whether QIDO-RS returns it by default at its level (PS3.18 Tables 6.7.1-2, -2a, -2b).
    public var isDefault: Bool
}

/// The attributes MedSearch's DICOMweb service knows by keyword: those QIDO-RS returns by default at each
/// level, the standard matching keys, the descriptions a radiologist reads, and the attributes computed from
/// the catalog (numbers of related series and instances, modalities in study, retrieve URL).
///
/// Other attributes are addressed by their 8-digit hexadecimal tag (`00181030`); their VR then comes from the
/// stored instance.
public enum DICOMwebAttributes {
    /// ModalitiesInStudy (0008,0061), computed over a study's series.
    public static let modalitiesInStudy = DICOMTag(0x0008, 0x0061)
    /// RetrieveURL (0008,1190).
    public static let retrieveURL = DICOMTag(0x0008, 0x1190)
    /// InstanceAvailability (0008,0056).
    public static let instanceAvailability = DICOMTag(0x0008, 0x0056)
    /// NumberOfStudyRelatedSeries (0020,1206).
    public static let numberOfStudyRelatedSeries = DICOMTag(0x0020, 0x1206)
    /// NumberOfStudyRelatedInstances (0020,1208).
    public static let numberOfStudyRelatedInstances = DICOMTag(0x0020, 0x1208)
    /// NumberOfSeriesRelatedInstances (0020,1209).
    public static let numberOfSeriesRelatedInstances = DICOMTag(0x0020, 0x1209)
    /// StudyDescription (0008,1030).
    public static let studyDescription = DICOMTag(0x0008, 0x1030)
    /// SeriesDescription (0008,103E).
    public static let seriesDescription = DICOMTag(0x0008, 0x103E)
    /// BodyPartExamined (0018,0015).
    public static let bodyPartExamined = DICOMTag(0x0018, 0x0015)
    /// StudyTime (0008,0030).
    public static let studyTime = DICOMTag(0x0008, 0x0030)
    /// AccessionNumber (0008,0050).
    public static let accessionNumber = DICOMTag(0x0008, 0x0050)
    /// PatientSex (0010,0040).
    public static let patientSex = DICOMTag(0x0010, 0x0040)
    /// StudyID (0020,0010).
    public static let studyID = DICOMTag(0x0020, 0x0010)
    /// SeriesNumber (0020,0011).
    public static let seriesNumber = DICOMTag(0x0020, 0x0011)
    /// InstanceNumber (0020,0013).
    public static let instanceNumber = DICOMTag(0x0020, 0x0013)

    /// Every known attribute, by tag.
    public static let all: [DICOMwebAttribute] = [
        .init(tag: .sopClassUID, vr: .UI, keyword: "SOPClassUID", level: .instance, isDefault: true),
        .init(tag: .sopInstanceUID, vr: .UI, keyword: "SOPInstanceUID", level: .instance, isDefault: true),
        .init(tag: .studyDate, vr: .DA, keyword: "StudyDate", level: .study, isDefault: true),
        .init(tag: DICOMTag(0x0008, 0x0021), vr: .DA, keyword: "SeriesDate", level: .series, isDefault: false),
        .init(tag: studyTime, vr: .TM, keyword: "StudyTime", level: .study, isDefault: true),
        .init(tag: accessionNumber, vr: .SH, keyword: "AccessionNumber", level: .study, isDefault: true),
        .init(tag: instanceAvailability, vr: .CS, keyword: "InstanceAvailability", level: .study, isDefault: true),
        .init(tag: .modality, vr: .CS, keyword: "Modality", level: .series, isDefault: true),
        .init(tag: modalitiesInStudy, vr: .CS, keyword: "ModalitiesInStudy", level: .study, isDefault: true),
        .init(tag: DICOMTag(0x0008, 0x0090), vr: .PN, keyword: "ReferringPhysicianName", level: .study, isDefault: true),
        .init(tag: DICOMTag(0x0008, 0x0201), vr: .SH, keyword: "TimezoneOffsetFromUTC", level: .study, isDefault: false),
        .init(tag: studyDescription, vr: .LO, keyword: "StudyDescription", level: .study, isDefault: true),
        .init(tag: seriesDescription, vr: .LO, keyword: "SeriesDescription", level: .series, isDefault: true),
        .init(tag: retrieveURL, vr: .UR, keyword: "RetrieveURL", level: .study, isDefault: true),
        .init(tag: .patientName, vr: .PN, keyword: "PatientName", level: .study, isDefault: true),
        .init(tag: .patientID, vr: .LO, keyword: "PatientID", level: .study, isDefault: true),
        .init(tag: .patientBirthDate, vr: .DA, keyword: "PatientBirthDate", level: .study, isDefault: true),
        .init(tag: patientSex, vr: .CS, keyword: "PatientSex", level: .study, isDefault: true),
        .init(tag: bodyPartExamined, vr: .CS, keyword: "BodyPartExamined", level: .series, isDefault: true),
        .init(tag: .studyInstanceUID, vr: .UI, keyword: "StudyInstanceUID", level: .study, isDefault: true),
        .init(tag: .seriesInstanceUID, vr: .UI, keyword: "SeriesInstanceUID", level: .series, isDefault: true),
        .init(tag: studyID, vr: .SH, keyword: "StudyID", level: .study, isDefault: true),
        .init(tag: seriesNumber, vr: .IS, keyword: "SeriesNumber", level: .series, isDefault: true),
        .init(tag: instanceNumber, vr: .IS, keyword: "InstanceNumber", level: .instance, isDefault: true),
        .init(tag: numberOfStudyRelatedSeries, vr: .IS, keyword: "NumberOfStudyRelatedSeries", level: .study, isDefault: true),
        .init(tag: numberOfStudyRelatedInstances, vr: .IS, keyword: "NumberOfStudyRelatedInstances", level: .study,
              isDefault: true),
        .init(tag: numberOfSeriesRelatedInstances, vr: .IS, keyword: "NumberOfSeriesRelatedInstances", level: .series,
              isDefault: true),
        .init(tag: .photometricInterpretation, vr: .CS, keyword: "PhotometricInterpretation", level: .instance,
              isDefault: false),
        .init(tag: .numberOfFrames, vr: .IS, keyword: "NumberOfFrames", level: .instance, isDefault: true),
        .init(tag: .rows, vr: .US, keyword: "Rows", level: .instance, isDefault: true),
        .init(tag: .columns, vr: .US, keyword: "Columns", level: .instance, isDefault: true),
        .init(tag: .bitsAllocated, vr: .US, keyword: "BitsAllocated", level: .instance, isDefault: true),
        .init(tag: .windowCenter, vr: .DS, keyword: "WindowCenter", level: .instance, isDefault: false),
        .init(tag: .windowWidth, vr: .DS, keyword: "WindowWidth", level: .instance, isDefault: false),
    ]

    private static let byTag: [DICOMTag: DICOMwebAttribute] = Dictionary(all.map { ($0.tag, $0) },
                                                                         uniquingKeysWith: { first, _ in first })
    private static let byKeyword: [String: DICOMwebAttribute] = Dictionary(all.map { ($0.keyword, $0) },
                                                                           uniquingKeysWith: { first, _ in first })

    /// The known attribute with `tag`.
    public static func attribute(_ tag: DICOMTag) -> DICOMwebAttribute? { byTag[tag] }

    /// The tag a QIDO-RS key names: a keyword of ``all``, another PS3.6 keyword this package's dictionary knows,
    /// or 8 hexadecimal digits.
    public static func tag(forKey key: String) -> DICOMTag? {
        if let attribute = byKeyword[key] { return attribute.tag }
        if key.utf8.count == 8, let raw = UInt32(key, radix: 16) { return DICOMTag(rawValue: raw) }
        return nil
    }

    /// The level of `tag` (attributes not in ``all`` count as instance level).
    public static func level(of tag: DICOMTag) -> QIDOLevel { byTag[tag]?.level ?? .instance }

    /// The VR of `tag` when known without a data set.
    public static func vr(of tag: DICOMTag) -> DICOMVR? { byTag[tag]?.vr ?? DICOMDictionary.vr(for: tag) }

    /// The attributes returned by default at `level`: those of that level and, as PS3.18 requires for the
    /// flat and nested resources, of the levels above it.
    public static func defaults(at level: QIDOLevel) -> [DICOMTag] {
        all.filter { $0.isDefault && $0.level <= level }.map(\.tag)
    }
}
