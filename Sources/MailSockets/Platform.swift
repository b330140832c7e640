#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The few places where the C library of Linux (Glibc) and of macOS (Darwin) differ for the
// sockets code. Linux is what the project runs and tests on; the Darwin side is written from
// the manual pages and compiles only where a Mac builds it.

/// `SOCK_STREAM` as `socket(2)` takes it (an enum case in Glibc, an `Int32` in Darwin).
#if canImport(Glibc)
    let streamSocketType = Int32(SOCK_STREAM.rawValue)
#else
    let streamSocketType = SOCK_STREAM
#endif

/// Flags for `send(2)`: a peer that has gone away is an error (EPIPE), never a SIGPIPE that ends
/// the process. Linux says so per call (`MSG_NOSIGNAL`); Darwin per socket (`SO_NOSIGPIPE`, set
/// by `noSignalOnClosedPeer`).
#if canImport(Glibc)
    let sendFlags = Int32(MSG_NOSIGNAL)
#else
    let sendFlags: Int32 = 0
#endif

/// Marks a socket so that writing to a closed peer does not raise SIGPIPE (Darwin); on Linux
/// `sendFlags` does this per call and this does nothing.
func noSignalOnClosedPeer(_ descriptor: Int32) {
    #if canImport(Darwin)
        var on: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
    #endif
}

/// `send(2)`, `connect(2)` and `bind(2)` by names that methods of the same name cannot shadow.
func systemSend(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    send(descriptor, bytes.baseAddress, bytes.count, sendFlags)
}

func systemConnect(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(descriptor, address, length)
}

func systemBind(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    bind(descriptor, address, length)
}

/// Flushes every file system buffer of the file system that holds `descriptor` — data and
/// metadata of every file on it — in one call: `syncfs(2)` on Linux (whose errors it reports
/// since Linux 5.8), nil where there is none (Darwin), so that the caller flushes file by file.
func flushWholeFileSystem(_ descriptor: Int32) -> Bool? {
    guard let syncfs = systemSyncfs else { return nil }
    return syncfs(descriptor) == 0
}

/// Glibc declares `syncfs` only for `_GNU_SOURCE`, which the Swift module of the C library does
/// not set: the function is looked up by name once instead.
private let systemSyncfs: (@convention(c) (Int32) -> Int32)? = {
    #if canImport(Glibc)
        guard let symbol = dlsym(nil, "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
    #else
        return nil
    #endif
}()

/// Takes (`true`) or gives back a POSIX record lock on the whole file, waiting for readers to
/// finish: mbox readers such as Dovecot take one (`fcntl`) to read, so none sees an append in
/// progress.
@discardableResult
func lockWholeFile(_ descriptor: Int32, _ take: Bool) -> Bool {
    var lock = flock()
    lock.l_type = Int16(take ? F_WRLCK : F_UNLCK)
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = 0
    lock.l_len = 0  // to the end, however long the file grows
    while fcntl(descriptor, take ? F_SETLKW : F_SETLK, &lock) != 0 {
        guard errno == EINTR else { return false }
    }
    return true
}
