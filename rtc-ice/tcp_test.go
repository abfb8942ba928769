package ice

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

func tcpEphemeral(host netip.AddrPort, n int) []netip.AddrPort {
	var out []netip.AddrPort
	for i := 0; i < n; i++ {
		out = append(out, netip.AddrPortFrom(host.Addr(), uint16(40000+i)))
	}
	return out
}

// Two agents with only TCP host candidates (RFC 6544): A's active candidate
// dials B's passive one, B learns A as peer-reflexive, and both nominate the
// pair; data is framed with RFC 4571.
func TestTCPCandidatesOnly(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		name := fmt.Sprintf("tcp/seed%d", seed)
		pa, pb := newPeers(t, seed, Config{Role: RoleControlling}, Config{})
		pa.tcpPorts = tcpEphemeral(hostAddrA, 4)
		pb.tcpPorts = tcpEphemeral(hostAddrB, 4)
		sim := netsim.New(netsim.Config{Seed: seed})
		sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
		sim.Add(pa, append([]netip.AddrPort{hostAddrA}, pa.tcpPorts...)...)
		sim.Add(pb, append([]netip.AddrPort{hostAddrB}, pb.tcpPorts...)...)
		if err := pa.a.AddLocalAddress(hostAddrA, shared.TCP); err != nil {
			t.Fatal(err)
		}
		pa.a.EndOfLocalAddresses()
		must(t, pb.a.AddLocalAddress(hostAddrB, shared.TCP))
		pb.a.EndOfLocalAddresses()
		pa.drain()
		pb.drain()
		if len(pa.cands) != 2 {
			t.Fatalf("candidates %v", pa.cands)
		}
		err := sim.Run(func() bool { return pa.nominated() && pb.nominated() }, 20000)
		if err != nil {
			t.Fatalf("%s: %v (A %v %v, B %v)", name, err, pa.a.ConnectionState(), pa.cands, pb.a.ConnectionState())
		}
		sp, _ := pa.a.SelectedPair()
		if sp.Transport.Protocol != shared.TCP {
			t.Fatalf("%s: selected %v", name, sp.Transport)
		}
		must(t, pa.a.HandleWrite([]byte("over tcp")))
		must(t, pb.a.HandleWrite([]byte("back")))
		if err := sim.Run(func() bool { return len(pa.reads) > 0 && len(pb.reads) > 0 }, 1000); err != nil {
			t.Fatal(err)
		}
		if string(pb.reads[0].Message) != "over tcp" || string(pa.reads[0].Message) != "back" || pb.reads[0].Transport.Protocol != shared.TCP {
			t.Fatalf("%s: reads %q %q", name, pa.reads[0].Message, pb.reads[0].Message)
		}
		if seed == 1 {
			t.Logf("%s: connected in %v on %v; A %s", name, sim.Elapsed(), sp.Transport, pa.cands)
		}
	}
}

// RFC 4571 frames split across segments and several frames in one segment
// are reassembled; an over-long stream is refused.
func TestTCPFraming(t *testing.T) {
	a := newTestAgent(t, Config{})
	if err := a.AddLocalAddress(netip.MustParseAddrPort("192.0.2.1:443"), shared.TCP); err != nil {
		t.Fatal(err)
	}
	drainAll(a)
	frame := func(b []byte) []byte {
		return append(binary.BigEndian.AppendUint16(nil, uint16(len(b))), b...)
	}
	check := frame(checkFromRemote(1, false))
	stream := append(append([]byte(nil), check...), frame(checkFromRemote(2, false))...)
	tr := shared.TransportContext{Local: netip.MustParseAddrPort("192.0.2.1:443"), Peer: netip.MustParseAddrPort("198.51.100.2:50000"), Protocol: shared.TCP}
	for i := 0; i < len(stream); i += 7 {
		end := min(i+7, len(stream))
		if err := a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: tr, Message: stream[i:end]}); err != nil {
			t.Fatal(err)
		}
	}
	if got := a.Stats().RequestsReceived; got != 2 {
		t.Fatalf("requests %d, want 2", got)
	}
	var responses int
	for _, m := range drainAll(a) {
		if m.Transport == tr && m.Transport.Protocol == shared.TCP {
			if int(binary.BigEndian.Uint16(m.Message)) != len(m.Message)-2 {
				t.Fatal("response not framed")
			}
			responses++
		}
	}
	if responses < 2 {
		t.Fatalf("responses on the connection: %d", responses)
	}
	// At most one partial frame stays buffered (RFC 4571: 16-bit length).
	partial := append([]byte{0xFF, 0xFF}, make([]byte, 1000)...)
	must(t, a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: tr, Message: partial}))
	if n := len(a.tcpConns[tr.Peer].buf); n != len(partial) || n > 2+0xFFFF {
		t.Fatalf("buffered %d", n)
	}
	a.TCPClosed(tr.Peer)
	if len(a.tcpConns) != 0 {
		t.Fatal("connection kept after TCPClosed")
	}
}

// RFC 4571 reassembly reuses the connection's buffer: data frames split
// across segments allocate nothing once the buffer has grown.
func TestTCPFramingNoAllocs(t *testing.T) {
	a := newTestAgent(t, Config{})
	local := netip.MustParseAddrPort("192.0.2.1:443")
	if err := a.AddLocalAddress(local, shared.TCP); err != nil {
		t.Fatal(err)
	}
	drainAll(a)
	tr := shared.TransportContext{Local: local, Peer: netip.MustParseAddrPort("198.51.100.2:50000"), Protocol: shared.TCP}
	check := checkFromRemote(1, false)
	// The check creates the pair the data then arrives on.
	if err := a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: tr, Message: append(binary.BigEndian.AppendUint16(nil, uint16(len(check))), check...)}); err != nil {
		t.Fatal(err)
	}
	drainAll(a)
	data := append([]byte{0, 100}, make([]byte, 100)...)
	step := func() {
		for _, seg := range [][]byte{data[:1], data[1:60], data[60:]} {
			if err := a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: tr, Message: seg}); err != nil {
				t.Fatal(err)
			}
		}
		r, ok := a.PollRead()
		if !ok || len(r.Message) != 100 {
			t.Fatalf("read %v %d", ok, len(r.Message))
		}
		a.ReleaseRead(r.Message)
	}
	for i := 0; i < 10; i++ {
		step()
	}
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Fatalf("%v allocations per framed datagram", n)
	}
	// A check on the connection is answered in a framed response built in
	// a recycled buffer.
	framed := append(binary.BigEndian.AppendUint16(nil, uint16(len(check))), check...)
	answer := func() {
		if err := a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: tr, Message: framed}); err != nil {
			t.Fatal(err)
		}
		for {
			m, ok := a.PollWrite()
			if !ok {
				break
			}
			a.ReleaseWrite(m.Message)
		}
	}
	for i := 0; i < 10; i++ {
		answer()
	}
	if n := testing.AllocsPerRun(100, answer); n != 0 {
		t.Fatalf("%v allocations per answered check", n)
	}
}
