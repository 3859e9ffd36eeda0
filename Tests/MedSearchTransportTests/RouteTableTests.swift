import Foundation
@testable import MedSearchTransport
import Testing

@Suite struct RouteTableTests {
    @Test func everyRouteButHealthNamesItsCallers() {
        for route in Routes.all {
            if route.access == .open {
                #expect(route.access == .open && route.method == .get && route.server == nil)
            } else {
                #expect(!route.callers.isEmpty, "\(route) has no callers")
                #expect(route.server != nil, "\(route) names no server role")
                #expect(route.name.hasPrefix(route.server!.rawValue + "."), "\(route) is not named after its role")
            }
        }
        #expect(Routes.all.filter { $0.access == .open } == [Routes.health, Routes.healthz, Routes.readyz, Routes.metrics])
    }

    @Test func namesAndEndpointsAreUniquePerRole() {
        #expect(Set(Routes.all.map(\.name)).count == Routes.all.count)
        for role in ServerRole.allCases {
            let routes = role.routes
            #expect(Array(routes.prefix(4)) == [Routes.health, Routes.healthz, Routes.readyz, Routes.metrics])
            let endpoints = routes.map { "\($0.method.rawValue) \($0.path)" }
            #expect(Set(endpoints).count == endpoints.count, "\(role) serves an endpoint twice")
            // A search worker serves one route (the master's shard search); every other role more.
            #expect(routes.count > (role == .searchWorker ? 1 : 3), "\(role) serves only \(routes.count) routes")
        }
        #expect(Set(ServerRole.allCases.flatMap(\.routes)) == Set(Routes.all))
    }

    @Test func bodiesAndContentTypesAreConsistent() {
        for route in Routes.all {
            switch route.method {
            case .get, .delete:
                #expect(route.request == .none && route.maxRequestBytes == 0, "\(route)")
            case .post, .put:
                #expect(route.request == .binary && route.maxRequestBytes > 0, "\(route)")
            }
            #expect(route.response != .none, "\(route)")
            #expect(route.maxRequestBytes <= Routes.largeBody, "\(route)")
        }
        // Every status and usage answer is JSON; protocol answers are binary.
        #expect(Routes.all.filter { $0.response == .json }.map(\.name).sorted()
            == ["edge-master.status", "fnn-c1.status", "fnn-c2.status", "sei.status", "storage-node.usage"])
    }

    @Test func securityCriticalPermissions() {
        // Only the edge master touches shares; only C1 runs the protocol with C2; users never upload.
        for route in [Routes.StorageNode.putShare, Routes.StorageNode.getShare, Routes.StorageNode.deleteShare] {
            #expect(route.callers == [.edgeMaster])
        }
        #expect(Routes.FNNC2.exchange.callers == [.fnnC1])
        for route in Routes.all where route.name.hasSuffix("upload") || route.name.hasSuffix("setup")
            || route.name.hasSuffix(".index") || route.name.hasSuffix(".keys") {
            #expect(route.callers == [.owner], "\(route)")
        }
        #expect(Routes.all.allSatisfy { !$0.permits(nil) || $0.access == .open })
        #expect(Routes.SEI.search.permits(.user) && !Routes.SEI.search.permits(.storageNode))
    }

    @Test func pathParametersAreFilledAndChecked() throws {
        #expect(Routes.StorageNode.getShare.parameterNames == ["id"])
        #expect(try Routes.StorageNode.getShare.path(["0a1b"]) == "/trustmed/v1/shares/0a1b")
        #expect(try Routes.FNNC2.handover.path(["q-1_2.3~"]) == "/fnn/v1/handover/q-1_2.3~")
        #expect(try Routes.SEI.search.path([]) == "/sei/v1/search")
        for bad in ["", ".", "..", "a/b", "a b", "%2e", "x?y", String(repeating: "a", count: 257), "é"] {
            #expect(throws: ServiceError.self) { try Routes.StorageNode.getShare.path([bad]) }
        }
        #expect(throws: ServiceError.self) { try Routes.StorageNode.getShare.path([]) }
        #expect(throws: ServiceError.self) { try Routes.SEI.search.path(["x"]) }
    }

    @Test func serverRolesPresentTheirOwnCallerRole() {
        #expect(ServerRole.allCases.allSatisfy { $0.serviceRole.rawValue == $0.rawValue })
        #expect(Set(ServerRole.allCases.map(\.serviceRole)).count == ServerRole.allCases.count)
    }
}

@Suite struct ServiceErrorTests {
    @Test func transientErrorsAreThoseWorthARetry() {
        #expect(ServiceError.unreachable(url: "u", reason: "r").isTransient)
        #expect(ServiceError.timeout(url: "u").isTransient)
        #expect(ServiceError.http(status: 503, message: "").isTransient)
        #expect(!ServiceError.http(status: 400, message: "").isTransient)
        #expect(!ServiceError.forbidden(role: "user", needed: ["owner"]).isTransient)
        #expect(ServiceError.forbidden(role: "user", needed: ["owner", "admin"]).description
            == "role user may not do this (needs owner or admin)")
    }

    @Test func durationsConvertWithoutOverflow() {
        #expect(Duration.seconds(2).saturatingNanoseconds == 2_000_000_000)
        #expect(Duration.milliseconds(1).saturatingNanoseconds == 1_000_000)
        #expect(Duration.seconds(Int64.max).saturatingNanoseconds == .max)
        #expect(Duration.seconds(-1).saturatingNanoseconds == 0)
    }
}
