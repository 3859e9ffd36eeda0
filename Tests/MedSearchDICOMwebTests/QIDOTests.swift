import MedSearchImaging
import Testing
@testable import MedSearchDICOMweb

@Suite struct QIDOTests {
    /// Two patients, three studies, four series, six instances.
    static let catalog: [DICOMDataset] = [
        Fixtures.record(patientID: "P1", name: "Smith^Anna", study: "1.1", date: "20230105", series: "1.1.1",
                        modality: "CT", instance: "1.1.1.1", description: "Thorax"),
        Fixtures.record(patientID: "P1", name: "Smith^Anna", study: "1.1", date: "20230105", series: "1.1.1",
                        modality: "CT", instance: "1.1.1.2", description: "Thorax"),
        Fixtures.record(patientID: "P1", name: "Smith^Anna", study: "1.1", date: "20230105", series: "1.1.2",
                        modality: "SR", instance: "1.1.2.1", description: "Thorax"),
        Fixtures.record(patientID: "P1", name: "Smith^Anna", study: "1.2", date: "20240610", series: "1.2.1",
                        modality: "CR", instance: "1.2.1.1", description: "Chest PA"),
        Fixtures.record(patientID: "P2", name: "Smithers^Bo", study: "2.1", date: "20221231", series: "2.1.1",
                        modality: "MR", instance: "2.1.1.1", description: "Knee"),
        Fixtures.record(patientID: "P2", name: "Smithers^Bo", study: "2.1", date: "20221231", series: "2.1.1",
                        modality: "MR", instance: "2.1.1.2", description: "Knee"),
    ]

    func studies(_ items: [(String, String)]) throws -> [String] {
        try QIDOSearch(records: Self.catalog).run(QIDOQuery(level: .study, items: items)).results
            .map { $0.string(.studyInstanceUID) ?? "" }
    }

    @Test func wildcardMatchingKnownAnswers() {
        func match(_ pattern: String, _ text: String) -> Bool {
            QIDOMatch.wildcardMatch(Array(pattern.unicodeScalars), Array(text.unicodeScalars))
        }
        #expect(match("SMITH*", "SMITHERS^BO"))
        #expect(match("*^ANNA", "SMITH^ANNA"))
        #expect(match("SM?TH*", "SMITH^ANNA"))
        #expect(!match("SM?TH", "SMITH^ANNA"))
        #expect(match("*", ""))
        #expect(!match("?", ""))
        #expect(match("a*b*c", "aXXbYYbZc"))
        #expect(!match("a*b*c", "aXXbYYbZ"))
        // Many stars against a long text stay fast (no exponential backtracking).
        #expect(!match(String(repeating: "*a", count: 50) + "b", String(repeating: "a", count: 2000)))
    }

    @Test func patientNameMatchesWithWildcardsIgnoringCase() throws {
        #expect(try studies([("PatientName", "smith*")]) == ["1.1", "1.2", "2.1"])
        #expect(try studies([("PatientName", "SMITH^*")]) == ["1.1", "1.2"])
        #expect(try studies([("PatientName", "smithers^bo")]) == ["2.1"])
        #expect(try studies([("PatientName", "Smith")]) == [])
    }

    @Test func patientIDIsExactAndCaseSensitive() throws {
        #expect(try studies([("PatientID", "P2")]) == ["2.1"])
        #expect(try studies([("PatientID", "p2")]) == [])
        #expect(try studies([("00100020", "P1")]) == ["1.1", "1.2"])
    }

    @Test func studyDateRanges() throws {
        #expect(try studies([("StudyDate", "20230101-20231231")]) == ["1.1"])
        #expect(try studies([("StudyDate", "20230105-")]) == ["1.1", "1.2"])
        #expect(try studies([("StudyDate", "-20230105")]) == ["1.1", "2.1"])
        #expect(try studies([("StudyDate", "20221231")]) == ["2.1"])
    }

    @Test func modalityAtStudyLevelMatchesAnySeriesAndIsListed() throws {
        let query = try QIDOQuery(level: .study, items: [("Modality", "SR")])
        let (results, total) = QIDOSearch(records: Self.catalog).run(query)
        #expect(total == 1)
        let study = try #require(results.first)
        #expect(study.string(.studyInstanceUID) == "1.1")
        #expect(study.strings(DICOMwebAttributes.modalitiesInStudy) == ["CT", "SR"])
        #expect(study.string(DICOMwebAttributes.numberOfStudyRelatedSeries) == "2")
        #expect(study.string(DICOMwebAttributes.numberOfStudyRelatedInstances) == "3")
        // Study-level results carry no series- or instance-level attributes except those asked for.
        #expect(study[.sopInstanceUID] == nil)
        #expect(study[.rows] == nil)
    }

    @Test func uidListsAndScopes() throws {
        let search = QIDOSearch(records: Self.catalog)
        #expect(try studies([("StudyInstanceUID", "1.2\\2.1")]) == ["1.2", "2.1"])
        #expect(try studies([("StudyInstanceUID", "1.2,9.9")]) == ["1.2"])
        let series = search.run(try QIDOQuery(level: .series, items: []), scope: [.studyInstanceUID: "1.1"]).results
        #expect(series.map { $0.string(.seriesInstanceUID) } == ["1.1.1", "1.1.2"])
        #expect(series.map { $0.string(DICOMwebAttributes.numberOfSeriesRelatedInstances) } == ["2", "1"])
        let instances = search.run(try QIDOQuery(level: .instance, items: [("SOPInstanceUID", "2.1.1.2")])).results
        #expect(instances.map { $0.string(.sopInstanceUID) } == ["2.1.1.2"])
        #expect(try instances.first?.integer(.rows) == 512)
        let inSeries = search.run(try QIDOQuery(level: .instance, items: [("SeriesInstanceUID", "1.1.1")])).results
        #expect(inSeries.count == 2)
    }

    @Test func limitOffsetAndIncludeField() throws {
        let search = QIDOSearch(records: Self.catalog)
        let page = search.run(try QIDOQuery(level: .instance, items: [("limit", "2"), ("offset", "3")]))
        #expect(page.total == 6)
        #expect(page.results.map { $0.string(.sopInstanceUID) } == ["1.2.1.1", "2.1.1.1"])
        let beyond = search.run(try QIDOQuery(level: .instance, items: [("offset", "10")]))
        #expect(beyond.results.isEmpty && beyond.total == 6)
        let plain = try #require(search.run(try QIDOQuery(level: .study, items: [("PatientID", "P2")])).results.first)
        #expect(plain.string(DICOMwebAttributes.studyDescription) == "Knee")  // a default at study level
        let withRows = try #require(search.run(try QIDOQuery(level: .study, items: [
            ("PatientID", "P2"), ("includefield", "Rows,SOPInstanceUID"),
        ])).results.first)
        // includefield cannot lift lower-level attributes into a study result.
        #expect(withRows[.rows] == nil)
        let all = try #require(search.run(try QIDOQuery(level: .instance, items: [("includefield", "all")])).results.first)
        #expect(all[.rows] != nil)
        let retrieve = search.run(try QIDOQuery(level: .series, items: [("PatientID", "P2")])) { study, series, _ in
            "http://h/dicom-web/studies/\(study)/series/\(series ?? "")"
        }.results
        #expect(retrieve.first?.string(DICOMwebAttributes.retrieveURL) == "http://h/dicom-web/studies/2.1/series/2.1.1")
    }

    @Test func universalMatchingReturnsTheAttributeEvenWhenAbsent() throws {
        let result = try #require(QIDOSearch(records: Self.catalog).run(
            try QIDOQuery(level: .study, items: [("PatientID", "P2"), ("AccessionNumber", "")])).results.first)
        #expect(result[DICOMwebAttributes.accessionNumber]?.bytes?.isEmpty == true)
    }

    @Test(arguments: [
        ("NoSuchKeyword", "x", DICOMwebError.unknownQueryKey("NoSuchKeyword")),
        ("ReferencedSOPSequence.ReferencedSOPInstanceUID", "1", .unknownQueryKey("ReferencedSOPSequence.ReferencedSOPInstanceUID")),
        ("StudyDate", "2024-13-01", .invalidQueryValue(key: "StudyDate", reason: "not a date range YYYYMMDD-YYYYMMDD")),
        ("StudyDate", "20240201-20240101", .invalidQueryValue(key: "StudyDate", reason: "the range ends before it starts")),
        ("StudyDate", "2024", .invalidQueryValue(key: "StudyDate", reason: "not a date YYYYMMDD")),
        ("StudyInstanceUID", "1.2.a", .invalidQueryValue(key: "StudyInstanceUID", reason: "not a UID or a list of UIDs")),
        ("limit", "-1", .invalidQueryValue(key: "limit", reason: "not a non-negative integer")),
        ("offset", "x", .invalidQueryValue(key: "offset", reason: "not a non-negative integer")),
        ("includefield", "Nope", .unknownQueryKey("Nope")),
    ])
    func badQueriesAreRefusedWithTheirReason(_ key: String, _ value: String, _ error: DICOMwebError) {
        #expect(throws: error) { _ = try QIDOQuery(level: .study, items: [(key, value)]) }
    }

    @Test func limitIsCappedAndKeysMayNotRepeat() throws {
        #expect(try QIDOQuery(level: .study, items: [("limit", "999999")]).limit == QIDOQuery.maximumLimit)
        #expect(throws: DICOMwebError.invalidQueryValue(key: "PatientID", reason: "given more than once")) {
            _ = try QIDOQuery(level: .study, items: [("PatientID", "a"), ("PatientID", "b")])
        }
    }
}
