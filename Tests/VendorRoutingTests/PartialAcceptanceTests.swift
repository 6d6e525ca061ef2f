import CommerceCore
import OrderCore
import Testing

@testable import VendorRouting

@Suite("Partial acceptance rules")
struct PartialAcceptanceTests {
    static let lines = [
        SuborderLine(id: "l1", orderLineId: "o1", sku: "A", quantity: 3, unitPrice: 100),
        SuborderLine(id: "l2", orderLineId: "o2", sku: "B", quantity: 1, unitPrice: 500),
    ]

    /// The fields a 422 names, or [] when the refusals pass.
    static func failedFields(_ refusals: [Refusal]) -> [String] {
        do {
            _ = try PartialAcceptance.check(refusals, lines: lines)
            return []
        } catch let error as DomainError {
            return error.errors.map(\.field)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test("refused units come back in line order, with the quantity refused")
    func refusedUnits() throws {
        let units = try PartialAcceptance.check(
            [Refusal(lineId: "l2", quantity: 1, reason: "broken"), Refusal(lineId: "l1", quantity: 2, reason: nil)],
            lines: Self.lines)
        #expect(units.map(\.line.id) == ["l1", "l2"])
        #expect(units.map(\.quantity) == [2, 1])
    }

    @Test("no refusals: a plain acceptance")
    func none() throws {
        #expect(try PartialAcceptance.check([], lines: Self.lines).isEmpty)
    }

    @Test("every unit refused is a rejection, not an acceptance")
    func everyUnit() {
        #expect(
            Self.failedFields([Refusal(lineId: "l1", quantity: 3, reason: nil), Refusal(lineId: "l2", quantity: 1, reason: nil)])
                == ["refuse"])
        // One line refused whole while another keeps units is allowed.
        #expect(Self.failedFields([Refusal(lineId: "l2", quantity: 1, reason: nil)]) == [])
    }

    @Test("each bad refusal is named by its index and field")
    func badRefusals() {
        #expect(Self.failedFields([Refusal(lineId: "elsewhere", quantity: 1, reason: nil)]) == ["refuse[0].line_id"])
        #expect(Self.failedFields([Refusal(lineId: "l1", quantity: 4, reason: nil)]) == ["refuse[0].quantity"])
        #expect(Self.failedFields([Refusal(lineId: "l1", quantity: 0, reason: nil)]) == ["refuse[0].quantity"])
        #expect(
            Self.failedFields([Refusal(lineId: "l1", quantity: 1, reason: nil), Refusal(lineId: "l1", quantity: 1, reason: nil)])
                == ["refuse[1].line_id"])
        #expect(
            Self.failedFields([
                Refusal(lineId: "x", quantity: 1, reason: nil), Refusal(lineId: "l2", quantity: 2, reason: nil),
            ]) == ["refuse[0].line_id", "refuse[1].quantity"])
    }
}
