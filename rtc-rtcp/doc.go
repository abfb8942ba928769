// Package rtcp parses and builds the RTCP packets WebRTC uses: RFC 3550
// reports (SR, RR, SDES, BYE, APP), RFC 4585/5104 feedback (Generic NACK,
// PLI, SLI, RPSI, FIR, TMMBR, TMMBN), REMB (draft-alvestrand-rmcat-remb),
// transport-wide congestion control feedback
// (draft-holmer-rmcat-transport-wide-cc-extensions-01), RFC 8888 congestion
// control feedback, RFC 3611 extended reports, and any other packet as an
// opaque RawPacket that round-trips byte for byte.
//
// # Parsing
//
// A compound packet (RFC 3550 §6.1) is read with a Reader, which returns
// each packet's header and bytes without copying, or with a Decoder, which
// also decodes each one into a value it owns:
//
//	d := rtcp.NewDecoder(rtcp.Config{ReducedSize: true})
//	d.Reset(datagram)
//	for p, ok := d.Next(); ok; p, ok = d.Next() {
//		switch p := p.(type) {
//		case *rtcp.SenderReport: ...
//		case *rtcp.TransportCC: ...
//		}
//	}
//	if err := d.Err(); err != nil { /* count and drop */ }
//
// Decoded values alias the input, and a Decoder reuses its values and
// their slices, so decoding allocates nothing in steady state; a value is
// valid until the next packet of its type. Unmarshal is the convenient,
// allocating form. Validate applies the RFC 3550 Appendix A.2 checks
// (first packet SR or RR, padding only at the end), or only framing for
// reduced-size RTCP (RFC 5506).
//
// # Building
//
// Every type has MarshalSize and AppendTo (append style; nothing allocates
// when the buffer has room); Marshal and AppendCompound join packets.
//
// # Helpers
//
// NTPTime, TimeFromNTP and CompactNTP convert wallclock times; RTT computes
// the round-trip time from a report block's LSR and DLSR (RFC 3550 §6.4.1);
// NACKPairs packs lost sequence numbers into NACK entries and NACK.Lost
// unpacks them; BuildTransportCC turns (sequence, arrival time) pairs into
// transport-cc feedback and TransportCC.Packets expands one.
//
// # Sans-I/O
//
// This is a codec package: no state machine, no clock, no I/O, so it offers
// none of the eight verbs. Times are arguments.
//
// # Limits and errors
//
// Parse errors are *shared.ParseError wrapping the sentinels of errors.go.
// Wire counts are enforced on marshal (31 report blocks, SDES chunks or BYE
// sources; 255-octet SDES items; field widths) and Config.MaxPackets bounds
// the packets taken from one compound packet (default 64). Malformed input
// never panics (a fuzz target per parser).
//
// Counters that wrap are read with one explicit rule each: NTP timestamps
// across the 2036 era wrap as RFC 4330 §3 does (TimeFromNTP), cumulative
// loss in signed 24 bits, clamped with ClampLost (RFC 3550 Appendix A.3),
// RTT refused when A - LSR - DLSR is negative, and transport-cc arrivals
// placed by their distance from the base sequence, so one exactly 2^15
// away (undefined in RFC 1982) is refused by BuildTransportCC.
//
// # Known gaps
//
//   - Feedback formats not listed above, and XR block types other than RRTR
//     and DLRR, are kept as raw bytes (RawPacket, XRBlock) with no typed
//     accessors.
//   - Padding on typed packets is accepted but not reproduced on marshal
//     (transport-cc pads with the P bit, as libwebrtc does).
//   - RFC 8888 num_reports is read and written as the number of metric
//     blocks, as libwebrtc and Pion do (§3.1 contradicts itself on this).
package rtcp
