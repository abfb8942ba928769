// Package turn is a sans-I/O TURN client (RFC 8656, compatible with RFC
// 5766 servers such as coturn) for one allocation. It never touches a
// socket: the caller owns the UDP socket, or the TCP or TLS connection, to
// the server, sends what PollWrite returns and feeds what arrives to
// HandleRead. Package turntest is a small TURN server for tests on the
// simulated network.
//
// # Drive loop
//
//	c, _ := turn.NewClient(turn.Config{Server: server, Local: local, Username: "test", Password: "test"})
//	c.Allocate()
//	for {
//		for { m, ok := c.PollWrite(); if !ok { break }; send(m.Transport.Local, m.Transport.Peer, m.Message) }
//		for { ev, ok := c.PollEvent(); if !ok { break }; handle(ev) } // EventAllocated: ev.Relayed ...
//		for { d, ok := c.PollRead(); if !ok { break }; deliver(d.Peer, d.Data) }
//		// wait for a datagram (c.HandleRead) or PollTimeout (c.HandleTimeout)
//	}
//	c.HandleWrite(turn.Datagram{Peer: peer, Data: payload}) // through the relay
//	c.Close()                                              // deallocate
//
// # What it does
//
//   - Allocate (RFC 8656 §7): REQUESTED-TRANSPORT UDP, optional LIFETIME and
//     REQUESTED-ADDRESS-FAMILY (Config.Family = FamilyIPv6). The first request
//     carries no credentials; the 401 supplies REALM and NONCE and the request
//     is repeated with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY keyed with
//     MD5(username:realm:password) (RFC 8489 §9.2). When the server offers
//     PASSWORD-ALGORITHMS with SHA-256, the key is SHA-256 and
//     MESSAGE-INTEGRITY-SHA256 is used. 438 Stale Nonce takes the new nonce
//     and retries, for every request, at most three times.
//   - Refresh before the lifetime ends (a minute early, or at 80% of a short
//     lifetime) and deallocate on Close (LIFETIME 0).
//   - Keepalives: after KeepaliveInterval (15 s) without sending anything to
//     the server, a Binding indication keeps NAT bindings on the way open,
//     so later refreshes come from the same transport address.
//   - Permissions (§9): the first write to a peer IP installs one; datagrams
//     wait (MaxPending per IP) until it is there; refreshed every 4 minutes.
//   - Channels (§11, §12): the first write to a peer also binds a channel
//     (unless Config.NoChannels); afterwards data goes as ChannelData;
//     refreshed every 9 minutes. Until then data goes in Send indications.
//   - Data indications and ChannelData from the server come out of PollRead.
//   - Over TCP and TLS (Config.Protocol = shared.TCP) the client frames the
//     stream (Framer): STUN messages carry their length and ChannelData is
//     padded to four bytes (§12.5). Over UDP, ChannelData goes unpadded.
//   - Error responses are *Error values with the method, code and reason
//     (for example 441 Wrong Credentials); a request that is never answered
//     fails with ErrTimeout (RFC 8489 §6.2: 7 transmissions over UDP, 39.5 s
//     over TCP), through rtc-stun's client transaction machine.
//
// # Buffers
//
// Bytes from PollWrite and PollRead belong to the caller. Handing them back
// with ReleaseWrite and ReleaseRead lets the client reuse them: a steady
// flow of ChannelData then allocates nothing (about 0.1-0.2 µs per
// 1200-byte datagram each way on the development machine).
//
// # Contract
//
// The client keeps the shared contract (rtc-shared, checked by
// contracttest): a full event queue drops, counts and reports the new event
// (shared.EventQueue); PollTimeout reports the latest time seen while output
// waits to be polled, and TimeoutReason names its deadline; after Close,
// which reports EventDeallocated at once, nothing more comes out of
// PollEvent or PollRead, HandleWrite and HandleEvent return ErrClosed, and
// HandleRead and HandleTimeout carry the deallocation to its end
// (Deallocated). One gap: before the client was ever told the time, a
// request it started waits for the first HandleTimeout and PollTimeout
// reports the Unix epoch to ask for it.
//
// # Limits
//
// MaxPermissions, MaxChannels (64 each), MaxPending (16 datagrams per peer
// IP), MaxQueue (256 per queue) and MaxStreamBuffer (128 KiB of partial TCP
// stream) are enforced; malformed input is counted in Stats.Dropped and
// returned as an error. The server is not trusted for the client's own
// safety: lifetimes are clamped to 30 s..3600 s, a Refresh answered with
// LIFETIME 0 ends the allocation, an unusable relayed address fails the
// Allocate, and relayed data is delivered only from peers with a permission
// of a live allocation (RFC 8656 §10.4). See the README's threat model.
//
// # Known gaps
//
//   - One allocation per client; no TCP allocations (RFC 6062), no
//     EVEN-PORT/RESERVATION-TOKEN, no DONT-FRAGMENT, no ALTERNATE-SERVER
//     redirection, no dual allocation (ADDITIONAL-ADDRESS-FAMILY).
//   - The RFC 8489 §9.2 nonce cookie feature bits are not interpreted;
//     SHA-256 is chosen only when PASSWORD-ALGORITHMS offers it.
//   - No server state machine beyond the test server in turntest.
package turn
