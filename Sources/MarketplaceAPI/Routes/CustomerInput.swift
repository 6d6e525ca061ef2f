/// Reads the `customer` member of an order or a cart: the customer's id (required) and email.
/// `id` is nil only when the body has an error on it, which `Fields.check` then reports.
enum CustomerInput {
    static func read(_ f: inout Fields) -> (id: String?, email: String?) {
        guard var customer = f.object("customer") else { return (nil, nil) }
        let id = customer.string("id", maxLength: 200)
        let email = customer.string("email", required: false, maxLength: 320)
        f.absorb(customer)
        return (id, email)
    }
}
