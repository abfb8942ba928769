package netsim

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// Fate is what happened to a datagram.
type Fate uint8

// Fates. Every fate except InFlight and Delivered is a drop.
const (
	InFlight      Fate = iota // still on the link
	Delivered                 // handed to the destination's HandleRead
	Lost                      // random loss (LinkConfig.Loss)
	BurstLost                 // Gilbert-Elliott loss (LinkConfig.Burst)
	TooBig                    // larger than the link MTU
	QueueFull                 // the bandwidth queue was full (drop-tail)
	NoRoute                   // no endpoint or NAT owns the destination address
	Unreachable               // the destination disappeared while in flight
	NATNoMapping              // arrived at a NAT port with no live mapping
	NATFiltered               // refused by the NAT's filtering behaviour
	HairpinDenied             // sent to the own NAT's public address, hairpinning off
	WrongSource               // Transport.Local is not one of the sender's addresses
	numFates
)

var fateNames = [numFates]string{
	"in-flight", "delivered", "lost", "burst-lost", "too-big", "queue-full",
	"no-route", "unreachable", "nat-no-mapping", "nat-filtered", "hairpin-denied",
	"wrong-source",
}

// String returns a short lower-case name such as "lost".
func (f Fate) String() string {
	if f < numFates {
		return fateNames[f]
	}
	return fmt.Sprintf("Fate(%d)", uint8(f))
}

// Dropped reports whether the fate is a drop.
func (f Fate) Dropped() bool { return f > Delivered }

// Record is one datagram in the trace. From and To are the addresses on the
// wire: From after the sender's NAT translated it, To as the sender
// addressed it (before the receiver's NAT translated it).
type Record struct {
	ID        uint64    // send order, from 1; a duplicate gets its own ID
	Sent      time.Time // when the sender's PollWrite returned it
	Arrival   time.Time // when it arrived (or would have); zero if dropped before the link
	From      netip.AddrPort
	To        netip.AddrPort
	Size      int
	Fate      Fate
	Duplicate bool   // a copy made by LinkConfig.Duplicate
	Corrupted bool   // a bit was flipped by LinkConfig.Corrupt (Payload is the corrupted copy)
	Payload   []byte // the datagram; shared with the simulation, do not modify
}

// String formats the record as one line relative to start, for failing-test
// output.
func (r Record) string(start time.Time) string {
	dup := ""
	if r.Duplicate {
		dup = " dup"
	}
	if r.Corrupted {
		dup += " corrupted"
	}
	arr := ""
	if !r.Arrival.IsZero() {
		arr = fmt.Sprintf(" arr=%v", r.Arrival.Sub(start))
	}
	return fmt.Sprintf("#%d t=%v %v->%v %dB %v%s%s", r.ID, r.Sent.Sub(start), r.From, r.To, r.Size, r.Fate, dup, arr)
}

// String formats the record as one line with absolute times.
func (r Record) String() string { return r.string(time.Time{}) }

// trace is a ring of the most recent records.
type trace struct {
	recs  []Record
	limit int
}

func (t *trace) add(r Record) {
	if t.limit == 0 {
		return
	}
	if len(t.recs) < t.limit {
		t.recs = append(t.recs, r)
		return
	}
	t.recs[(r.ID-1)%uint64(t.limit)] = r
}

// update changes the record with the given ID if it is still kept.
func (t *trace) update(id uint64, f func(*Record)) {
	if t.limit == 0 || id == 0 {
		return
	}
	i := (id - 1) % uint64(t.limit)
	if i < uint64(len(t.recs)) && t.recs[i].ID == id {
		f(&t.recs[i])
	}
}

// ordered returns the records oldest first (a new slice).
func (t *trace) ordered() []Record {
	out := make([]Record, 0, len(t.recs))
	if len(t.recs) < t.limit || len(t.recs) == 0 {
		return append(out, t.recs...)
	}
	// Full ring: the oldest record is the one with the smallest ID.
	start := 0
	for i := range t.recs {
		if t.recs[i].ID < t.recs[start].ID {
			start = i
		}
	}
	out = append(out, t.recs[start:]...)
	return append(out, t.recs[:start]...)
}

// Trace returns the most recent datagrams (up to Config.TraceLimit), oldest
// first. The records are copies, but their Payload is shared: do not modify it.
func (s *Sim) Trace() []Record { return s.trace.ordered() }

// TraceString formats the trace one datagram per line, with times relative
// to the start of the simulation, for failing-test output.
func (s *Sim) TraceString() string {
	var b strings.Builder
	for _, r := range s.trace.ordered() {
		b.WriteString(r.string(s.start))
		b.WriteByte('\n')
	}
	return b.String()
}

// Pcap constants (https://www.tcpdump.org/linktypes.html).
const (
	pcapMagicNanos = 0xa1b23c4d // nanosecond-resolution timestamps
	linktypeRaw    = 101        // LINKTYPE_RAW: the packet starts with an IPv4 or IPv6 header
	pcapSnapLen    = 65535
)

// WritePcap writes the trace as a pcap capture (nanosecond timestamps,
// LINKTYPE_RAW): one IPv4 or IPv6 + UDP packet per datagram, timestamped
// when it was sent, with the addresses on the wire and the datagram as the
// UDP payload. Every datagram the trace holds is written, dropped ones too;
// the trace (TraceString) says what became of each.
func (s *Sim) WritePcap(w io.Writer) error {
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], pcapMagicNanos)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], pcapSnapLen)
	binary.LittleEndian.PutUint32(hdr[20:], linktypeRaw)
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	var pkt []byte
	for _, r := range s.trace.ordered() {
		pkt = appendIPUDP(pkt[:0], r)
		if len(pkt) > pcapSnapLen {
			pkt = pkt[:pcapSnapLen] // recorded length is truncated, original kept below
		}
		var rh [16]byte
		ns := r.Sent.UnixNano()
		binary.LittleEndian.PutUint32(rh[0:], uint32(ns/1e9))
		binary.LittleEndian.PutUint32(rh[4:], uint32(ns%1e9))
		binary.LittleEndian.PutUint32(rh[8:], uint32(len(pkt)))
		binary.LittleEndian.PutUint32(rh[12:], uint32(ipUDPLen(r)))
		if _, err := w.Write(rh[:]); err != nil {
			return err
		}
		if _, err := w.Write(pkt); err != nil {
			return err
		}
	}
	return nil
}

func isV4(r Record) bool { return r.From.Addr().Is4() && r.To.Addr().Is4() }

func ipUDPLen(r Record) int {
	if isV4(r) {
		return 20 + 8 + len(r.Payload)
	}
	return 40 + 8 + len(r.Payload)
}

// appendIPUDP appends an IPv4 (RFC 791) or IPv6 (RFC 8200) header, a UDP
// header (RFC 768) with its checksum, and the payload.
func appendIPUDP(b []byte, r Record) []byte {
	udpLen := 8 + len(r.Payload)
	src, dst := r.From.Addr(), r.To.Addr()
	var pseudo uint32
	if isV4(r) {
		s4, d4 := src.As4(), dst.As4()
		ip := make([]byte, 20)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+udpLen))
		binary.BigEndian.PutUint16(ip[4:], uint16(r.ID))
		ip[6] = 0x40 // don't fragment
		ip[8] = 64   // TTL
		ip[9] = 17   // UDP
		copy(ip[12:], s4[:])
		copy(ip[16:], d4[:])
		binary.BigEndian.PutUint16(ip[10:], ^fold(sum16(0, ip)))
		b = append(b, ip...)
		pseudo = sum16(sum16(0, s4[:]), d4[:]) + 17 + uint32(udpLen)
	} else {
		// Mixed families cannot meet on a real wire; write both as IPv6
		// (IPv4-mapped) so the capture stays readable.
		s16, d16 := src.As16(), dst.As16()
		ip := make([]byte, 40)
		ip[0] = 0x60
		binary.BigEndian.PutUint16(ip[4:], uint16(udpLen))
		ip[6] = 17 // next header: UDP
		ip[7] = 64 // hop limit
		copy(ip[8:], s16[:])
		copy(ip[24:], d16[:])
		b = append(b, ip...)
		pseudo = sum16(sum16(0, s16[:]), d16[:]) + 17 + uint32(udpLen)
	}
	udp := make([]byte, 8)
	binary.BigEndian.PutUint16(udp[0:], r.From.Port())
	binary.BigEndian.PutUint16(udp[2:], r.To.Port())
	binary.BigEndian.PutUint16(udp[4:], uint16(udpLen))
	ck := ^fold(sum16(sum16(pseudo, udp), r.Payload))
	if ck == 0 {
		ck = 0xffff // RFC 768: a computed zero is sent as all ones
	}
	binary.BigEndian.PutUint16(udp[6:], ck)
	b = append(b, udp...)
	return append(b, r.Payload...)
}

// sum16 adds b as big-endian 16-bit words (RFC 1071), odd byte padded.
func sum16(acc uint32, b []byte) uint32 {
	for len(b) >= 2 {
		acc += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	return acc
}

func fold(acc uint32) uint16 {
	for acc > 0xffff {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}

// TB is the part of testing.TB that LogOnFailure needs.
type TB interface {
	Helper()
	Cleanup(func())
	Failed() bool
	Logf(format string, args ...any)
}

// LogOnFailure makes a failing test log the network's seed, statistics and
// trace when it ends; a passing test logs nothing.
//
//	sim := netsim.New(netsim.Config{Seed: seed})
//	sim.LogOnFailure(t)
func (s *Sim) LogOnFailure(tb TB) {
	tb.Helper()
	tb.Cleanup(func() {
		if !tb.Failed() {
			return
		}
		tb.Logf("netsim: seed %d, virtual time %v, stats %+v\n%s", s.cfg.Seed, s.Elapsed(), s.stats, s.TraceString())
	})
}
