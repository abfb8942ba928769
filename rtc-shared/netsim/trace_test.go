package netsim_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// checksum is the RFC 1071 one's complement sum of b.
func checksum(acc uint32, b []byte) uint32 {
	for len(b) >= 2 {
		acc += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	for acc > 0xffff {
		acc = acc&0xffff + acc>>16
	}
	return acc
}

// TestWritePcap parses the capture back: global header, one record per
// traced datagram with its time, valid IPv4/IPv6 and UDP checksums, the
// addresses on the wire and the payload.
func TestWritePcap(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 3 * time.Millisecond})
	v6a := netip.MustParseAddrPort("[2001:db8::1]:1000")
	v6b := netip.MustParseAddrPort("[2001:db8::2]:2000")
	a, b := &sink{}, &sink{}
	sim.Add(a, clientAddr, v6a)
	sim.Add(b, serverAddr, v6b)
	a.send(clientAddr, serverAddr, "hello over IPv4")
	a.send(v6a, v6b, "odd-length IPv6!")
	b.send(v6b, v6a, "")
	if err := sim.RunFor(10*time.Millisecond, 100); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := sim.WritePcap(&buf); err != nil {
		t.Fatal(err)
	}
	p := buf.Bytes()
	le := binary.LittleEndian
	if le.Uint32(p) != 0xa1b23c4d || le.Uint16(p[4:]) != 2 || le.Uint16(p[6:]) != 4 || le.Uint32(p[20:]) != 101 {
		t.Fatalf("bad global header % x", p[:24])
	}
	p = p[24:]
	tr := sim.Trace()
	for i, r := range tr {
		if len(p) < 16 {
			t.Fatalf("record %d missing", i)
		}
		ts := time.Unix(int64(le.Uint32(p)), int64(le.Uint32(p[4:])))
		n := int(le.Uint32(p[8:]))
		if !ts.Equal(r.Sent) || int(le.Uint32(p[12:])) != n {
			t.Fatalf("record %d header: ts %v want %v", i, ts, r.Sent)
		}
		pkt := p[16 : 16+n]
		p = p[16+n:]
		var udp []byte
		var pseudo uint32
		switch pkt[0] >> 4 {
		case 4:
			if checksum(0, pkt[:20]) != 0xffff {
				t.Fatalf("record %d: bad IPv4 header checksum", i)
			}
			if netip.AddrFrom4([4]byte(pkt[12:16])) != r.From.Addr() || netip.AddrFrom4([4]byte(pkt[16:20])) != r.To.Addr() || pkt[9] != 17 {
				t.Fatalf("record %d: IPv4 header % x", i, pkt[:20])
			}
			udp = pkt[20:]
			pseudo = checksum(checksum(0, pkt[12:20]), []byte{0, 17})
		case 6:
			if netip.AddrFrom16([16]byte(pkt[8:24])) != r.From.Addr() || netip.AddrFrom16([16]byte(pkt[24:40])) != r.To.Addr() || pkt[6] != 17 {
				t.Fatalf("record %d: IPv6 header % x", i, pkt[:40])
			}
			udp = pkt[40:]
			pseudo = checksum(checksum(0, pkt[8:40]), []byte{0, 17})
		default:
			t.Fatalf("record %d: IP version %d", i, pkt[0]>>4)
		}
		if int(binary.BigEndian.Uint16(udp[4:])) != len(udp) || binary.BigEndian.Uint16(udp) != r.From.Port() || binary.BigEndian.Uint16(udp[2:]) != r.To.Port() {
			t.Fatalf("record %d: UDP header % x", i, udp[:8])
		}
		var l [2]byte
		binary.BigEndian.PutUint16(l[:], uint16(len(udp)))
		if checksum(checksum(pseudo, l[:]), udp) != 0xffff {
			t.Fatalf("record %d: bad UDP checksum", i)
		}
		if !bytes.Equal(udp[8:], r.Payload) {
			t.Fatalf("record %d: payload %q want %q", i, udp[8:], r.Payload)
		}
	}
	if len(p) != 0 || len(tr) != 3 {
		t.Fatalf("%d records, %d bytes left", len(tr), len(p))
	}
}

// TestTraceLimit: the trace keeps the most recent datagrams, oldest first,
// and arrival fates still land on kept records.
func TestTraceLimit(t *testing.T) {
	sim := netsim.New(netsim.Config{TraceLimit: 10})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: time.Millisecond})
	b := newBlaster(clientAddr, serverAddr, sim.Now(), time.Millisecond/2, 25, nil)
	sim.Add(b, clientAddr)
	sim.Add(&sink{}, serverAddr)
	if err := sim.Run(nil, 1000); err != nil {
		t.Fatal(err)
	}
	tr := sim.Trace()
	if len(tr) != 10 || tr[0].ID != 16 || tr[9].ID != 25 {
		t.Fatalf("trace:\n%s", sim.TraceString())
	}
	for _, r := range tr {
		if r.Fate != netsim.Delivered {
			t.Fatalf("record %d fate %v", r.ID, r.Fate)
		}
	}
	if !strings.Contains(sim.TraceString(), "#25 t=12ms 192.0.2.1:5000->198.51.100.1:7 100B delivered arr=13ms") {
		t.Fatalf("trace string:\n%s", sim.TraceString())
	}
	off := netsim.New(netsim.Config{TraceLimit: -1})
	off.Inject(clientAddr, serverAddr, []byte("x"))
	if len(off.Trace()) != 0 {
		t.Fatal("disabled trace recorded")
	}
}

func TestFateAndBehaviorNames(t *testing.T) {
	if netsim.Lost.String() != "lost" || !netsim.Lost.Dropped() || netsim.Delivered.Dropped() || netsim.InFlight.Dropped() {
		t.Fatal("fate")
	}
	if netsim.Fate(200).String() != "Fate(200)" {
		t.Fatal("unknown fate")
	}
	if netsim.AddressAndPortDependent.String() != "address-and-port-dependent" {
		t.Fatal("behavior")
	}
}

// TestWritePcapInvalidAddresses: datagrams with no source or destination
// (dropped as NoRoute) still write without panicking.
func TestWritePcapInvalidAddresses(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	a := &sink{}
	sim.Add(a, clientAddr)
	a.send(clientAddr, netip.AddrPort{}, "no destination")
	sim.Inject(netip.AddrPort{}, clientAddr, []byte("no source"))
	if err := sim.Run(nil, 10); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := sim.WritePcap(&buf); err != nil {
		t.Fatal(err)
	}
	if st := sim.Stats(); st.NoRoute != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// fakeTB records what LogOnFailure does.
type fakeTB struct {
	failed   bool
	cleanups []func()
	logs     []string
}

func (f *fakeTB) Helper()                 {}
func (f *fakeTB) Cleanup(fn func())       { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Failed() bool            { return f.failed }
func (f *fakeTB) Logf(s string, a ...any) { f.logs = append(f.logs, fmt.Sprintf(s, a...)) }

func TestLogOnFailure(t *testing.T) {
	for _, failed := range []bool{false, true} {
		sim := netsim.New(netsim.Config{Seed: 99})
		tb := &fakeTB{failed: failed}
		sim.LogOnFailure(tb)
		sim.Inject(clientAddr, serverAddr, []byte("x"))
		for _, f := range tb.cleanups {
			f()
		}
		if failed != (len(tb.logs) == 1) {
			t.Fatalf("failed=%v: logs %q", failed, tb.logs)
		}
		if failed && (!strings.Contains(tb.logs[0], "seed 99") || !strings.Contains(tb.logs[0], "no-route")) {
			t.Fatalf("log %q", tb.logs[0])
		}
	}
}
