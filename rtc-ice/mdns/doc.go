// Package mdns is a sans-I/O mDNS querier and responder for ICE: the
// RFC 6762 subset that draft-ietf-mmusic-mdns-ice-candidates needs, on the
// RFC 1035 message format.
//
//   - Querier resolves the "<uuid>.local" names of remote host candidates
//     (what stock browsers signal instead of their LAN addresses).
//   - Responder publishes our own host candidates under random
//     "<uuid>.local" names and answers queries for them.
//   - Parse and Message.AppendTo are the codec: header, questions with the
//     QU bit, records with the cache-flush bit, A and AAAA data, name
//     compression on parse.
//
// # The caller owns the socket
//
// Neither machine opens a socket or reads a clock. The driver binds one
// UDP socket per interface and family to port 5353, joined to
// 224.0.0.251 (or ff02::fb), names its address in Config.Locals and the
// interface's prefixes in Config.Networks, hands every datagram read on it
// to both machines' HandleRead (Transport.Local the socket's address,
// Transport.Peer the sender), and sends what their PollWrite return from
// Transport.Local to Transport.Peer (the group). See Example_driver.
//
// # Drive loop
//
// As every sansrtc machine: after any Handle*, drain PollWrite, PollEvent
// (and PollRead, which never returns anything), then wait for
// PollTimeout. One pass is enough: while output waits PollTimeout reports
// the latest time seen. Commands (Resolve, Publish, Unpublish, or the same
// as a Command through HandleEvent) carry no time, and the latest time a
// machine has seen may be long past (an idle machine is not called), so
// their schedules count from the next time the machine is given: Resolve
// sends its first query at once, Publish announces at that next time, and
// both make PollTimeout report the latest time seen until then, so the
// drive loop calls HandleTimeout with the current time at once.
//
// # Wiring to the ICE agent
//
//	case ice.EventResolveHostname:
//		if err := querier.Resolve(ev.Hostname); err != nil {
//			agent.ResolveHostname(ev.Hostname, netip.Addr{}) // not an mDNS ICE name
//		}
//	// and for every querier event, EventResolved or EventFailed:
//	agent.ResolveHostname(ev.Name, ev.Addr) // invalid Addr: failed
//
// To publish, call responder.Publish(hostAddr) and signal the candidate
// with the returned name in place of the address. When the names are drawn
// elsewhere (the rtc PeerConnection draws one per address per
// PeerConnection with NewName, so one address may have several), call
// responder.PublishName(name, hostAddr) instead.
//
// # Timers
//
// Querier: a query (QTYPE A and AAAA, QM unless Config.UnicastResponse)
// at once, then after 1 s, 2 s, 4 s, ... capped at Config.MaxInterval
// (4 s) (RFC 6762 §5.2), until an answer or Config.Timeout (5 s: queries
// at 0, 1 and 3 s), then EventFailed. Answers are cached for their TTL
// (at most one hour). Responder: two announcements one second apart
// (RFC 6762 §8.3) on each Local, answers at once, but never a record on
// one Local within a second of the last (RFC 6762 §6): queries in that
// second are folded into one answer at its end.
//
// # Limits
//
// Config.MaxNames (32) names asked at once or published, Config.MaxCache
// (64) cached answers (the soonest to expire makes room), Config.MaxEvents
// (64) events (an overflow is reported by the next Handle*, as
// shared.ErrQueueFull), at most 8 Locals. Messages are at most 9000 bytes
// (RFC 6762 §17) and 256 entries, names 255 octets with at most 64
// compression pointers, each pointing before the previous one (no loops).
// Bad datagrams are counted (Stats) and their error returned; nothing
// panics (FuzzParse, FuzzMachines).
//
// # Known limitations
//
//   - No probing (RFC 6762 §8.1) and no conflict resolution (§9): names are
//     fresh random UUIDs, as the draft allows; a conflicting answer is
//     reported (EventConflict) and counted, and the record is kept.
//   - Every answer is multicast, a QU question included; legacy unicast
//     queries (source port not 5353, §6.7) are not answered.
//   - The IP TTL 255 check (§11) belongs to the driver, which sees it; this
//     layer checks the source address against Config.Networks and the
//     source port.
//   - One record per response datagram; no known-answer lists in our
//     queries (a cached name is not asked again), no continuous querying,
//     no cache maintenance queries (§5.2).
//   - An IPv6 link-local answer (fe80::/10) carries no zone: the driver
//     adds its interface's before handing the address to the ICE agent.
//   - Parse decodes names into strings: every mDNS datagram on the link
//     costs a few allocations (the machines are not on a media hot path).
package mdns
