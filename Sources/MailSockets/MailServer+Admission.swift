import MailCore
import MailDialects

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Taking connections, and overload as Postfix handles it: each client address may hold only
// part of the slots; from 80 % of the slots taken ("stress") a session idle for
// `stressTimeout` is closed; when every slot is taken, the session idle longest (at least
// `evictableIdle`) is closed with 421 to make room, so idle connections cannot lock new
// clients out. RFC 2821 §3.1 and RFC 821 §4.2: 421 when the service cannot take a connection.
extension MailServer {
    func acceptClients() {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &length) }
            }
            guard fd >= 0 else { return }
            setNonBlocking(fd)
            noSignalOnClosedPeer(fd)
            let peer = SocketAddress.hostText(storage)
            let instant = ContinuousClock.now
            sessionCount += 1
            let client = Client(
                descriptor: fd, session: sessionCount, peer: peer,
                engine: ReceiverEngine.make(dialect: configuration.dialect, policy: policy),
                now: instant)
            clients[fd] = client
            sessions[client.session] = client
            perAddress[peer, default: 0] += 1
            // RFC 2821 §3.1 / 821 §4.2: 421 and close when the service cannot take the connection.
            if perAddress[peer]! > configuration.maxConnectionsPerAddress {
                refuse(client, "\(configuration.domain) Too many connections from \(peer), try again later")
                continue
            }
            if clients.count > configuration.maxConnections && !evictIdlest(instant) {
                refuse(client, "\(configuration.domain) Too many connections, try again later")
                continue
            }
            lock.withLock { peakSessions = max(peakSessions, clients.count) }
            act(client, client.engine.connectionOpened(now: now))
            writeTo(client)
        }
    }

    func refuse(_ client: Client, _ text: String) {
        let reply = Reply(.serviceNotAvailable, text)
        client.output = reply.encoded
        client.closeAfterWrite = true
        client.engine.connectionClosed()
        log(client.peer, "S: " + reply.wireLines.joined(separator: "\nS: "))
        writeTo(client)
    }

    /// Every slot is taken: closes the session that has waited longest for a command, if it has
    /// been idle for `evictableIdle`, so that the new client can be served.
    func evictIdlest(_ instant: ContinuousClock.Instant) -> Bool {
        let idle = clients.values.filter { $0.isIdle && instant - $0.lastActivity >= configuration.evictableIdle }
        guard let idlest = idle.min(by: { ($0.lastActivity, $0.descriptor) < ($1.lastActivity, $1.descriptor) }) else {
            return false
        }
        closeIdle(idlest)
        return true
    }

    /// Under stress (80 % of the slots taken) a session idle for `stressTimeout` is closed.
    func expireIdle() {
        let time = now
        for fd in clients.keys.sorted() {
            guard let client = clients[fd], let deadline = client.engine.deadline, deadline <= time else { continue }
            act(client, client.engine.timerFired(now: time))
        }
        guard clients.count * 5 >= configuration.maxConnections * 4 else { return }
        let instant = ContinuousClock.now
        for fd in clients.keys.sorted() {
            guard let client = clients[fd], client.isIdle, instant - client.lastActivity >= configuration.stressTimeout
            else { continue }
            closeIdle(client)
        }
    }

    func closeIdle(_ client: Client) {
        let reply = Reply(
            .serviceNotAvailable, "\(configuration.domain) Server busy, closing idle connection; try again later")
        client.output.append(contentsOf: reply.encoded)
        client.closeAfterWrite = true
        client.engine.connectionClosed()
        log(client.peer, "S: " + reply.wireLines.joined(separator: "\nS: "))
        writeTo(client)
        drop(client)  // the slot is free now, even if the reply could not be written whole
    }
}
