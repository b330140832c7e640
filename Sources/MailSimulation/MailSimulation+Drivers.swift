import MailAgent
import MailCore
import MailDialects
import SimNetwork

// The simulation as the engines' driver: what their actions mean on a simulated connection
// (the one action loop, `carryOut`, is the engines': MailDialects/Common/Drivers.swift).
extension MailSimulation {
    // MARK: Engine actions

    /// Carries out a sender engine's actions (`ClientDriver`).
    func clientActs(_ id: ConnectionID, _ session: ClientSession, _ actions: consuming [SenderAction]) {
        var driver = ClientDriver(simulation: self, id: id, session: session)
        driver.carryOut(actions)
    }

    /// Carries out a receiver engine's actions (`ServerDriver`).
    func serverActs(_ id: ConnectionID, _ session: ServerSession, _ actions: consuming [ReceiverAction]) {
        var driver = ServerDriver(simulation: self, id: id, session: session)
        driver.carryOut(actions)
    }

    /// What a sender engine's actions mean on a simulated connection: each goes to the
    /// simulation's method for it. (Its references are strong: each `unowned(unsafe)` one was
    /// retained at every call through it.)
    struct ClientDriver: SenderDriver {
        let simulation: MailSimulation
        let id: ConnectionID
        let session: ClientSession

        func send(_ outgoing: consuming Outgoing) { simulation.clientSends(consume outgoing, id, session) }
        func close() { simulation.network.close(id, from: .client) }
        func turn() { simulation.network.close(id, from: .client) }  // role swaps are not simulated
        func finished(_ report: consuming SessionReport) { simulation.clientFinished(consume report, session) }
        func recycle(_ spent: inout [SenderAction]) { session.engine.recycle(&spent) }
    }

    /// What a receiver engine's actions mean on a simulated connection (see `ClientDriver`).
    struct ServerDriver: ReceiverDriver {
        let simulation: MailSimulation
        let id: ConnectionID
        let session: ServerSession

        func send(_ replies: consuming ReplyBatch) { simulation.serverSends(consume replies, id, session) }
        func deliver(_ message: consuming ReceivedMessage) { simulation.deliver(consume message, id, session) }
        func close() { simulation.network.close(id, from: .server) }
        func turn() { simulation.network.close(id, from: .server) }
        func recycle(_ spent: inout [ReceiverAction]) { session.engine.recycle(&spent) }
    }

    func clientSends(_ outgoing: consuming Outgoing, _ id: ConnectionID, _ session: ClientSession) {
        statistics.protocolBytes += outgoing.protocolByteCount
        statistics.textBytes += outgoing.textByteCount
        if trace.isEnabled { traceClientWrite(outgoing, session) }
        // The write's bytes are handed over whole (the action is spent), not copied out.
        network.send((consume outgoing).bytes, on: id, from: .client)
    }

    func clientFinished(_ report: consuming SessionReport, _ session: ClientSession) {
        session.reported = true
        statistics.turnarounds += report.turnarounds
        if let message = setup.workload.index(ofMessageID: session.messageID) {
            statistics.turnaroundsPerMessage[message] += Int32(report.turnarounds)
        }
        if report.pipelined { statistics.pipelinedSessions += 1 }
        if report.fellBackToHELO { statistics.heloFallbacks += 1 }
        let report = copy report
        agentActs(session.host) { $0.sessionFinished(session.attemptID, report, now: self.stamp) }
    }

    func serverSends(_ replies: consuming ReplyBatch, _ id: ConnectionID, _ session: ServerSession) {
        if trace.isEnabled {
            for line in replies.wireLines { trace(session.host, .init("S"), "conn\(session.label) \(line)") }
        }
        statistics.protocolBytes += replies.bytes.count
        network.send((consume replies).bytes, on: id, from: .server)
    }

    /// A client's write in the trace: its command lines, and its text's size (and with
    /// `tracesText`, the text's header).
    func traceClientWrite(_ outgoing: borrowing Outgoing, _ session: ClientSession) {
        for piece in outgoing.pieces {
            trace(session.host, .init("C"), "conn\(session.label) " + piece.transcriptLine)
            if case .text(let text) = piece, setup.tracesText {
                for line in Self.headerLines(text, stuffed: true) {
                    trace(session.host, .init("text"), "conn\(session.label) | " + line)
                }
            }
        }
    }

    /// Hands a received message to the host's agent and its decision back to the receiver.
    func deliver(_ message: consuming ReceivedMessage, _ id: ConnectionID, _ session: ServerSession) {
        let address = hostAddresses[session.peer.index]
        var decision = DeliveryDecision.accepted
        if hasAgent[session.host.index] {
            markActive(session.host.index)
            // Handed over, not copied: the agent stamps the text in its own storage.
            let (answer, agentActions) = agents[session.host.index]!.messageReceived(
                consume message, peer: session.peerName, peerAddress: address, overNCP: network.runsNCP(id), now: now)
            decision = answer
            noteQueue(session.host.index)
            perform(agentActions, for: session.host)
        }
        if case .accepted = decision { acceptedCounts[session.host.index] += 1 }
        if dropsAfterFinalDot(session.host) {
            // RFC 1047: the message is the receiver's now, but the sender never hears so.
            trace(session.host, .init("fault"), "conn\(session.label) dropped after the final dot")
            session.engine.connectionClosed()
            network.abort(id, from: .server)
            endServer(id)
            return
        }
        serverActs(id, session, session.engine.deliveryFinished(decision, now: now))
    }

    func dropsAfterFinalDot(_ host: HostID) -> Bool {
        guard dropsAfterDots else { return false }
        return setup.faults.contains { fault in
            if case .dropAfterFinalDot(let target, let window) = fault {
                return target == host && window.contains(network.now)
            }
            return false
        }
    }
}
