#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address and port for `bind(2)` and `connect(2)`, from a numeric address
/// (`127.0.0.1`, `::1`; `localhost` is taken as `127.0.0.1`). Names are not looked up: the live
/// tools talk to addresses the user gives, and a lookup would make them depend on the resolver.
struct SocketAddress {
    enum Storage {
        case v4(sockaddr_in)
        case v6(sockaddr_in6)
    }

    let storage: Storage
    /// How a person writes it: `127.0.0.1:25`, `[::1]:25`.
    let display: String

    init(host: String, port: UInt16) throws(AddressError) {
        let name = host == "localhost" ? "127.0.0.1" : host
        if name.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, name, &address.sin6_addr) == 1 else { throw AddressError(host: host) }
            storage = .v6(address)
            display = "[\(name)]:\(port)"
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            guard inet_pton(AF_INET, name, &address.sin_addr) == 1 else { throw AddressError(host: host) }
            storage = .v4(address)
            display = "\(name):\(port)"
        }
    }

    var family: Int32 {
        switch storage {
        case .v4: AF_INET
        case .v6: AF_INET6
        }
    }

    /// Calls `body` with the address as a `sockaddr` and its length.
    func withPointer<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch storage {
        case .v4(var address):
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(var address):
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// The numeric address in `storage` (a peer from `accept(2)`), without its port.
    static func hostText(_ storage: sockaddr_storage) -> String {
        var storage = storage
        let family = Int32(storage.ss_family)
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var bytes = address.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &bytes, &text, socklen_t(text.count))
                }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var bytes = address.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &bytes, &text, socklen_t(text.count))
                }
            }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The local port a socket is bound to.
    static func localPort(of descriptor: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    UInt16(bigEndian: $0.pointee.sin6_port)
                }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
        }
    }
}

/// `ADDR:PORT` as people write it (`127.0.0.1:2525`; an IPv6 literal in brackets, `[::1]:25`,
/// RFC 3986 §3.2.2, so that its colons are not the port's): the one place it is taken apart, for
/// the command line and the host tables alike.
public enum AddressText {
    /// The address and the port, or nil when `text` is not of that shape (the port unchecked).
    public static func split(_ text: String) -> (host: Substring, port: Substring)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            return (text[text.index(after: text.startIndex)..<close], text[text.index(close, offsetBy: 2)...])
        }
        guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
        return (text[..<colon], text[text.index(after: colon)...])
    }
}

struct AddressError: Error, CustomStringConvertible {
    var host: String
    var description: String { "\(host) is not an IPv4 or IPv6 address (give one such as 127.0.0.1 or ::1)" }
}
