// Package ice is a sans-I/O ICE agent (RFC 8445) with trickle ICE
// (RFC 8838), consent freshness (RFC 7675), dual-stack priorities
// (RFC 8421) and the SDP candidate syntax (RFC 8839). It gathers
// server-reflexive candidates from STUN servers and relayed candidates
// through rtc-turn allocations, always over the caller's sockets.
//
// # The caller owns the sockets
//
// The agent never opens, reads or writes a socket. The caller tells it the
// local addresses it has sockets on (AddLocalAddress), hands it every
// datagram that arrives on them (HandleRead, with Transport.Local the
// socket's address and Transport.Peer the sender), and sends every datagram
// PollWrite returns from Transport.Local to Transport.Peer. Checks, STUN
// gathering requests, TURN traffic and application data all go that way.
//
// For a TURN server reached over TCP or TLS (TURNServer.Protocol =
// shared.TCP), datagrams name the host address the allocation was made from
// as Transport.Local, the server as Peer, and Protocol shared.TCP: the
// caller keeps one connection to the server per (Local, Peer), opened on the
// first such datagram, and feeds what it reads back with the same names.
//
// # Drive loop (what a PeerConnection does)
//
//	agent, _ := ice.NewAgent(ice.Config{Role: ice.RoleControlling, STUNServers: stun})
//	ufrag, pwd := agent.LocalCredentials()          // a=ice-ufrag, a=ice-pwd in the SDP
//	agent.SetRemoteCredentials(remoteUfrag, remotePwd) // from the remote description
//	agent.AddLocalAddress(netip.MustParseAddrPort("127.0.0.1:50000"), shared.UDP)
//	agent.EndOfLocalAddresses()
//	agent.AddRemoteCandidateString("candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host")
//	agent.AddRemoteCandidateString("") // end-of-candidates
//
//	for {
//		for { // 1. datagrams to send
//			m, ok := agent.PollWrite()
//			if !ok { break }
//			sockets[m.Transport.Local].WriteTo(m.Message, m.Transport.Peer)
//			agent.ReleaseWrite(m.Message) // optional: lets the agent reuse the buffer
//		}
//		for { // 2. events
//			ev, ok := agent.PollEvent()
//			if !ok { break }
//			switch ev.Kind {
//			case ice.EventLocalCandidate:      // trickle ev.Candidate.String() to the peer
//			case ice.EventGatheringState:      // complete: signal end-of-candidates
//			case ice.EventConnectionState:     // new/checking/connected/completed/disconnected/failed/closed
//			case ice.EventSelectedPairChanged: // ev.Pair: start or move DTLS
//			case ice.EventResolveHostname:     // resolve ev.Hostname (.local), then agent.ResolveHostname
//			case ice.EventRoleChanged:         // after a 487 role conflict
//			}
//		}
//		for { // 3. application datagrams (DTLS, SRTP, ...) with the pair they came on
//			m, ok := agent.PollRead()
//			if !ok { break }
//			dtls.HandleRead(m)
//			agent.ReleaseRead(m.Message) // optional, once done with it
//		}
//		// 4. wait for a datagram or the deadline
//		deadline, ok := agent.PollTimeout()
//		select {
//		case d := <-datagrams: agent.HandleRead(shared.TaggedBytes{Now: d.at, Transport: d.path, Message: d.b})
//		case now := <-timer(deadline, ok): agent.HandleTimeout(now)
//		}
//	}
//
// Application datagrams go out with HandleWrite(b) on the selected pair;
// before a pair is usable it returns ErrNoSelectedPair, after consent is
// lost ErrConsentExpired. A PeerConnection that demultiplexes (RFC 7983)
// itself may hand the agent only STUN datagrams and datagrams from TURN
// servers; everything else from a pair's remote address is application data
// for that pair.
//
// # Roles and nomination
//
// Config.Role sets the initial role (the offerer is usually controlling).
// Conflicts are repaired with the tie-breaker and 487 responses
// (RFC 8445 §7.3.1.1, §7.2.5.1); EventRoleChanged reports a switch. The
// controlling agent uses regular nomination (RFC 8445 §8.1.1): it
// nominates the best valid pair as soon as no better pair is still pending,
// or NominationDelay (200 ms) after the first valid pair, and the
// nomination is final ("MUST NOT nominate another pair"): a better pair
// that succeeds later is not nominated. The
// controlled agent accepts USE-CANDIDATE on any pair, also before its own
// check on the pair has succeeded (the nomination then completes when it
// does), and follows a later nomination: this is what browsers do. Before
// nomination, data goes on the best valid pair (state connected).
//
// # Candidates
//
// ParseCandidate and Candidate.String convert the SDP candidate attribute
// (with or without "a=" and "candidate:"); AddRemoteCandidateString takes the
// string a browser trickles, and the empty string means end-of-candidates.
// Remote ".local" (mDNS) and other hostname candidates produce
// EventResolveHostname; the caller resolves the name and calls
// ResolveHostname, and the candidate is paired then. Peer-reflexive
// candidates are learned from checks in both directions. Server-reflexive
// candidates equal to their base are dropped (RFC 8445 §5.1.3); srflx local
// candidates are signalled but never paired (their base's pair covers
// them, §6.1.2.4).
//
// # Timers
//
// New checks are paced every Ta (50 ms); the triggered-check queue goes
// first, and is paced too: a peer checking often cannot make the agent
// send more than one check per Ta (RFC 8445 §6.1.4.2). Checks retransmit after CheckRTO (500 ms), doubling up to
// MaxCheckRTO (1.6 s), MaxCheckTransmissions (7) times: a pair fails about
// 9.5 s after its first check. On the selected pair consent checks run every
// 4-5.7 s (RFC 7675 §5.1 allows 4-6 s; the rest is room for a driver's
// timer slack); one unanswered for DisconnectedTimeout (3 s) makes the
// state disconnected, and 30 s without a consent response fails the agent.
// Consent checks double as keepalives (RFC 8445 §11).
//
// With no usable pair and none left to check, the agent fails
// FailedTimeout (39.5 s, the RFC 8863 PAC timer) after the last progress (a
// new pair, a check from the peer), with or without end-of-candidates; it
// never fails before the PAC timer has run since the remote credentials
// were set, since the peer's checks can still make a peer-reflexive pair.
//
// # Servers named by DNS
//
// The agent never resolves a name. A caller with server URLs naming hosts
// sets Config.AwaitServers to how many names it resolves and calls
// AddServers once per name with what it found (nothing when the lookup
// failed); gathering starts from those servers at once and completes only
// after every answer.
//
// # Nomination and DTLS
//
// EventSelectedPairChanged reports the pair data goes out on, with
// Pair.Nominated and Pair.RTT (the round-trip time of the last check on
// it answered without a retransmission). When the selected pair becomes
// nominated later (the controlled agent selects the best valid pair at
// once; the controlling agent's USE-CANDIDATE comes after),
// EventPairNominated says so once: the pair now works for the peer too,
// and a DTLS client resends a first flight the peer may have dropped.
//
// # TCP candidates
//
// AddLocalAddress(addr, shared.TCP) adds a passive host candidate (the
// caller listens on addr) and an active one (RFC 6544). When a check needs
// a connection to a remote passive candidate the agent emits
// EventTCPConnect; the caller dials from Pair.Transport.Local's IP and calls
// TCPConnected(local, remote) or TCPConnectFailed(remote). Segments read
// from any connection go to HandleRead with Protocol shared.TCP; the agent
// frames and reassembles messages with the RFC 4571 length prefix, and a
// check over TCP is sent once (TCP retransmits it).
//
// # Restart
//
// Restart draws new local credentials and signals the local candidates
// again; SetRemoteCredentials with a new remote ufrag starts the new
// session. Data keeps flowing on the old selected pair (with consent checks
// under the old credentials) until the new session selects a pair. A new
// remote ufrag without a local Restart is the peer's restart and is handled
// the same way.
//
// # Limits
//
// MaxCandidates (64 signalled remote candidates, and 64 local ones),
// MaxPeerReflexive (16 remote candidates learned from checks, a separate
// budget so they never starve signalled ones), MaxPairs (100, the
// lowest-priority pairs are pruned, RFC 8445 §6.1.2.5, and a signalled
// candidate may evict a learned pair that is not valid) and MaxQueue (256
// for the outbox, the event queue and the read queue each) are enforced.
// A refused candidate or pair is counted in Stats.CandidatesRefused and the
// first of a session comes out as EventCandidateRefused; a check from an
// address the agent refuses to pair is not answered. Bad STUN input
// (including a check without FINGERPRINT or with a USERNAME other than
// "local:remote") is counted in Stats.Dropped and returned as
// ErrBadMessage. The README's threat model says what an attacker can do.
//
// # Contract
//
// The agent keeps the shared contract (rtc-shared, checked by
// contracttest): a full event queue drops, counts and reports the new event
// (shared.EventQueue); PollTimeout reports the latest time seen while a
// datagram, an event or a read waits to be polled, and TimeoutReason names
// its deadline ("pace", "rtx", "consent", "nominate", "failed", "turn/...",
// "pending"); after Close nothing more comes out of PollEvent or PollRead
// and HandleWrite and HandleEvent return ErrClosed.
//
// # Known gaps
//
//   - An agent created without Config.Now that gets work before it was
//     ever told the time (HandleRead or HandleTimeout) waits for a first
//     HandleTimeout, and PollTimeout reports the Unix epoch to ask for it
//     (TimeoutReason "start"). Give Config.Now (a PeerConnection does) to
//     never see it.
//   - TCP candidates: host passive and active only (no simultaneous open,
//     no srflx/relay over TCP); remote active candidates are ignored (they
//     appear as peer-reflexive when they connect).
//   - One component (rtcp-mux, BUNDLE); candidates for component 2 are refused.
//   - ICE-lite agents send Binding indications every 15 s (RFC 8445 §11)
//     but no consent checks, and do not detect consent loss.
//   - No aggressive nomination and no renomination extension.
package ice
