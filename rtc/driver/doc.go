// Package driver runs sansrtc PeerConnections on real UDP sockets: it binds
// sockets on host addresses, runs the sans-I/O drive loop with timers on
// Config.Loops goroutines (GOMAXPROCS by default; each owns a shard of the
// connections, assigned in turn, and no lock is shared between loops on the
// per-packet path), and offers goroutine-safe handles. On Linux the
// connections' own sockets are read by one epoll poller per loop
// (ownpoll_linux.go), elsewhere by a reader goroutine per socket; a
// SinglePort socket has a reader goroutine; reads are batched with
// recvmmsg where the platform has it. No goroutine runs per data channel. Writes go
// out in batches (sendmmsg), and on Linux runs of equal-size datagrams to
// one peer leave as one segmented buffer (UDP_SEGMENT, see
// Config.DisableSegmentation): the same datagrams on the wire for a
// fraction of the per-datagram cost. A PeerConnection that offers
// ReleaseWrite gets its sent datagrams back for reuse.
//
//	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
//	defer d.Close()
//	conn, _ := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
//		OnMessage: func(c *driver.Conn, m rtc.Message) {
//			c.Send(m.Channel, m.Data, m.Binary) // echo: same bytes, same type
//		},
//	})
//	offer, _ := conn.OfferAfterGathering(ctx)
//
// # Sending
//
// Conn.Send is the one way to send, from any goroutine and from inside a
// callback alike: it copies the message into the connection's send queue
// and returns without waiting for the loop, so it cannot deadlock. The loop
// hands queued messages to the PeerConnection in order, after the callbacks
// of the current pass or at its next wake-up. Send returns an error at once
// when the connection is closed (ErrClosed) or its queue is full
// (ErrSendQueueFull: back off, for example until bufferedamountlow); a
// failure found when the loop hands the message over (the channel closed
// meanwhile, a message above the peer's max-message-size) goes to
// Handler.OnError as a *SendError. Nothing is dropped silently.
//
// Callbacks run on the driver goroutine: inside them, the PeerConnection
// and its DataChannels may also be used directly (they must not block).
// Conn.Do runs a function on the loop from other goroutines; it waits for
// the loop, so a callback must not call Do or the helpers built on it
// (OfferAfterGathering, CreateDataChannel, WaitOpen, Close): call the
// PeerConnection directly there, or start a goroutine.
//
// # Media
//
// RTP and RTCP arrive through Handler.OnMessage like data channel messages
// (Message.Kind MessageRTP or MessageRTCP, Message.Transceiver). Their Data
// is a view of a pooled receive buffer: valid during the callback only,
// handed back to the PeerConnection (ReleaseRead) when it returns. A
// reflector writes from the callback (m.Transceiver.Sender().WriteRTP); an
// SFU forwarding to other connections, possibly on other loops, uses
// Conn.WriteRTP and Conn.RequestKeyframe, queued like Send. Paced sending
// and the interceptor chain's timers are the PeerConnection's PollTimeout,
// which the loop follows like any other deadline.
//
// # Teardown
//
// A connection ends when it is closed locally (Conn.Close), when the
// PeerConnection reaches "closed" or "failed" (unless Config.KeepFailed),
// and when its transport ends from the other side: the DTLS transport
// closed (the peer's close_notify) or failed (a fatal alert), or, for a
// connection without media transceivers, the SCTP transport closed (the
// peer's ABORT or SHUTDOWN), as rtc reports them at once
// (EventDTLSStateChange, EventSCTPStateChange, EventError). The driver
// closes the PeerConnection and releases its sockets in the same loop
// pass, then closes Conn.Done; Conn.Err says why. IsNormalClose tells a normal close
// (local, a peer's close_notify or User-Initiated Abort) from a failure.
//
// # Logging
//
// With Config.Logger set, the driver logs with log/slog: at Info a few lines
// per connection (connected with its setup time, closed with its reason and
// final counters), at Warn failures, at Debug every state change and the
// errors of single datagrams (junk from the network is counted, and never
// logged above Debug).
//
// # Scheduling
//
// Each wake-up costs the same whatever the number of connections: deadlines
// are kept in a 4-ary heap of (deadline, connection) values (heap.go), and
// only connections whose deadline passed, that received datagrams, or that
// have queued sends are driven. A connection's place in the heap is updated
// after every drive. Deadlines 1 s or more away (consent checks, RFC 7675
// §5.1, already jittered by ±20%; keepalives; SCTP heartbeats and
// retransmissions) are delivered at the next boundary of a bucket of 50,
// 100, 200 or 400 ms, the largest that is at most a twentieth of the wait
// (a consent check 4–6 s away is at most 200 ms late, a 1 s retransmission
// at most 50 ms), so one wake-up drives every connection of a loop whose
// timer fell in that bucket and their datagrams leave in one sendmmsg;
// nearer deadlines stay exact. On Linux the sockets are read and written
// with recvmmsg and sendmmsg directly (socket_mmsg.go), allocating nothing
// per batch; receive buffers come from a bounded free list.
//
// # Real networks
//
// Config.Resolver answers the remote candidate hostnames the PeerConnection
// cannot pair (stock browsers' mDNS ".local" names); NewMDNSResolver gives
// one that asks the LAN with rtc-ice/mdns (resolve.go, mdns.go). With
// rtc.Configuration.MDNSHostCandidates the PeerConnection names its host
// addresses (rtc.EventPublishHostname); a Config.Resolver that is a
// HostPublisher (MDNSResolver is) announces and answers for the names on
// its interface with rtc-ice/mdns's Responder, and withdraws them when the
// connection closes (mdns_publish.go). TURN
// traffic the PeerConnection sends with Protocol TCP runs on a TCP
// connection per (host address, server), over crypto/tls for turns: URLs
// (Config.TLSRoots, the URL's host as the name to verify; turn_tcp.go).
// DNS names in ICE server URLs are asked for by the PeerConnection
// (rtc.EventResolveICEServer); the driver looks them up with Config.DNS
// (net.Resolver) on a goroutine and answers with ResolveICEServer, so
// NewPeerConnection never waits for DNS (resolve.go).
//
// # One port
//
// With Config.SinglePort every connection of the driver shares one UDP
// socket per host address: known 5-tuples route to their connection, new
// ones only through an authenticated STUN Binding request naming the
// connection's local ufrag (RFC 8445 §7.2.2), and unroutable datagrams are
// counted in Stats. ICE servers work with it: STUN server responses are
// routed by transaction ID, and TURN over UDP leaves from a socket of each
// connection's own (portservers.go). Two connections of one SinglePort
// driver cannot reach each other over UDP.
//
// Config.TCPPort does the same for ICE-TCP (RFC 6544): one listening TCP
// port per host address for every connection. A new TCP connection's
// first RFC 4571 frame must be an ICE check, and its USERNAME's local
// ufrag picks the connection (tcpport.go). Every accepted ICE-TCP
// connection, on the shared port or a connection's own (Config.ICETCP),
// must deliver that check within 5 s and have it accepted by the
// PeerConnection before it takes a slot; waiting connections are bounded
// (the oldest is closed) and refusals are counted in Stats.
// Config.ICELite makes every connection an ICE-lite agent (RFC 8445 §2.5),
// as a server on a public address usually is: the full peer checks and
// nominates.
package driver
