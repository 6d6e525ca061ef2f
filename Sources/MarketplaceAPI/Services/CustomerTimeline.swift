import CommerceCore
import CustomerService
import CustomerServiceCore
import Foundation
import OrderCore
import Postgres
import VendorRouting

/// A customer's timeline as the API shows it: the entries of every channel, each with the
/// order, return, case or message it is about rendered as its own route renders it. It reads
/// four stores of two modules, which is why it lives here and not in either module.
struct CustomerTimeline: Sendable {
    let db: any Queryable

    func page(customerId: String, page: PageRequest) async throws -> JSONValue {
        let entries = try await TimelineStore.entries(db, customerId: customerId, page: page)
        let orderIds = entries.items.filter { $0.kind == .order }.map(\.id)
        let orders = Dictionary(
            uniqueKeysWithValues: try await OrderStore.orders(db, ids: orderIds).map { ($0.id, $0) })
        func ids(_ kind: TimelineEntry.Kind) -> [String] { entries.items.filter { $0.kind == kind }.map(\.id) }
        let returns = Dictionary(
            try await ReturnStore.returns(db, ids: ids(.return)).map { ($0.id, $0.json) },
            uniquingKeysWith: { a, _ in a })
        let cases = Dictionary(
            try await CaseStore.cases(db, ids: ids(.case)).map { ($0.id, $0.json) },
            uniquingKeysWith: { a, _ in a })
        let messages = Dictionary(
            try await CaseStore.messages(db, ids: ids(.message)).map { ($0.id, $0.json) },
            uniquingKeysWith: { a, _ in a })
        // A suborder status entry shows the suborder as it is now (lines with their refused
        // units, `replaces`, `rerouted_to`), under the status the entry records.
        let suborders = Dictionary(
            try await OrderStore.suborders(db, ids: ids(.suborderStatus)).map { ($0.id, $0.json) },
            uniquingKeysWith: { a, _ in a })
        let data: [JSONValue] = entries.items.map { entry in
            switch entry.kind {
            case .order:
                return entry.json(data: orders[entry.id]?.json ?? ["id": .string(entry.id)])
            case .return:
                return entry.json(data: returns[entry.id] ?? ["id": .string(entry.id)])
            case .case:
                return entry.json(data: cases[entry.id] ?? ["id": .string(entry.id)])
            case .message:
                return entry.json(data: messages[entry.id] ?? ["id": .string(entry.id)])
            case .suborderStatus, .returnStatus, .caseStatus, .orderStatus:
                var object = JSONObject([("status", .from(entry.status))])
                if entry.kind == .suborderStatus, case .object(var suborder)? = suborders[entry.id] {
                    suborder["status"] = .from(entry.status)
                    object = suborder
                }
                switch entry.kind {
                case .suborderStatus:
                    object["suborder_id"] = .string(entry.id)
                    object["order_id"] = .from(entry.parentId)
                case .returnStatus:
                    object["return_id"] = .string(entry.id)
                case .orderStatus:
                    object["order_id"] = .string(entry.id)
                default:
                    object["case_id"] = .string(entry.id)
                }
                object["at"] = .string(RFC3339.format(entry.at))
                return entry.json(data: .object(object))
            }
        }
        return ["data": .array(data), "next_cursor": .from(entries.nextCursor)]
    }
}
