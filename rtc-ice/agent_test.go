package ice

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

const (
	testLocalUfrag  = "LOCL"
	testLocalPwd    = "localpasswordlocalpassword"
	testRemoteUfrag = "REMT"
	testRemotePwd   = "remotepasswordremotepassword"
)

var (
	testLocal  = netip.MustParseAddrPort("192.0.2.1:5000")
	testRemote = netip.MustParseAddrPort("198.51.100.2:6000")
	testStart  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// newTestAgent is a controlled agent with one host address, the remote
// credentials and one remote host candidate.
func newTestAgent(t testing.TB, cfg Config) *Agent {
	t.Helper()
	cfg.LocalUfrag, cfg.LocalPassword = testLocalUfrag, testLocalPwd
	if cfg.Rand == nil {
		cfg.Rand = zeroRand{}
	}
	a, err := NewAgent(cfg)
	if err != nil {
		t.Fatal(err)
	}
	must(t, a.HandleTimeout(testStart))
	if err := a.AddLocalAddress(testLocal, shared.UDP); err != nil {
		t.Fatal(err)
	}
	must(t, a.SetRemoteCredentials(testRemoteUfrag, testRemotePwd))
	c, err := ParseCandidate("candidate:1 1 udp 2130706431 198.51.100.2 6000 typ host")
	must(t, err)
	if err := a.AddRemoteCandidate(c); err != nil {
		t.Fatal(err)
	}
	return a
}

// checkFromRemote builds the check the remote agent would send us.
func checkFromRemote(id byte, useCandidate bool) []byte {
	b := stun.NewBuilder(nil, stun.BindingRequest, stun.TransactionID{id, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	b.AddUsername(testLocalUfrag + ":" + testRemoteUfrag)
	b.AddPriority(1862270975)
	b.AddICEControlling(42)
	if useCandidate {
		b.AddUseCandidate()
	}
	b.Add(stun.AttrType(0xC057), []byte{0, 1, 0, 10}) // GOOG-NETWORK-INFO, as Chromium sends
	b.AddMessageIntegrity(stun.NewIntegrity([]byte(testLocalPwd)))
	b.AddFingerprint()
	return mustBytes(&b)
}

func drainAll(a *Agent) (out []shared.TaggedBytes) {
	for {
		m, ok := a.PollWrite()
		if !ok {
			break
		}
		out = append(out, m)
	}
	for {
		if _, ok := a.PollEvent(); !ok {
			break
		}
	}
	for {
		if _, ok := a.PollRead(); !ok {
			break
		}
	}
	return out
}

func TestAnswersChromiumStyleCheck(t *testing.T) {
	a := newTestAgent(t, Config{})
	drainAll(a)
	err := a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: shared.TransportContext{Local: testLocal, Peer: testRemote}, Message: checkFromRemote(1, true)})
	if err != nil {
		t.Fatal(err)
	}
	var resp *stun.Message
	for _, m := range drainAll(a) {
		var sm stun.Message
		if stun.Parse(m.Message, &sm) == nil && sm.Type == stun.BindingSuccess {
			resp = &sm
			if m.Transport.Local != testLocal || m.Transport.Peer != testRemote {
				t.Fatalf("response on %v", m.Transport)
			}
		}
	}
	if resp == nil {
		t.Fatal("no success response")
	}
	// RFC 8445 §7.3.1.2 / RFC 8489: XOR-MAPPED-ADDRESS, integrity with our
	// password, FINGERPRINT.
	if xa, err := resp.XORMappedAddress(); err != nil || xa != testRemote {
		t.Fatalf("mapped %v %v", xa, err)
	}
	if err := stun.NewIntegrity([]byte(testLocalPwd)).Check(resp); err != nil {
		t.Fatal(err)
	}
	if err := resp.CheckFingerprint(); err != nil {
		t.Fatal(err)
	}
}

func TestRejectsBadChecks(t *testing.T) {
	a := newTestAgent(t, Config{})
	drainAll(a)
	good := checkFromRemote(1, false)
	wrongPwd := func() []byte {
		b := stun.NewBuilder(nil, stun.BindingRequest, stun.TransactionID{9})
		b.AddUsername(testLocalUfrag + ":" + testRemoteUfrag)
		b.AddPriority(1)
		b.AddMessageIntegrity(stun.NewIntegrity([]byte("wrong")))
		b.AddFingerprint()
		return mustBytes(&b)
	}()
	badFP := append([]byte(nil), good...)
	badFP[len(badFP)-1] ^= 1
	for name, msg := range map[string][]byte{"wrong password": wrongPwd, "bad fingerprint": badFP} {
		before := a.Stats().Dropped
		err := a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: shared.TransportContext{Local: testLocal, Peer: testRemote}, Message: msg})
		if err == nil || a.Stats().Dropped != before+1 {
			t.Errorf("%s: err %v, dropped %d", name, err, a.Stats().Dropped-before)
		}
	}
	// Wrong local address.
	if err := a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: shared.TransportContext{Local: testRemote, Peer: testLocal}, Message: good}); !errors.Is(err, ErrUnknownLocalAddress) {
		t.Fatal(err)
	}
}

func TestGarbageNeverPanics(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	a := newTestAgent(t, Config{})
	good := checkFromRemote(1, true)
	now := testStart
	for i := 0; i < 20000; i++ {
		var msg []byte
		switch i % 3 {
		case 0:
			msg = make([]byte, r.IntN(200))
			for j := range msg {
				msg[j] = byte(r.IntN(256))
			}
		case 1:
			msg = append([]byte(nil), good...)
			msg[r.IntN(len(msg))] ^= byte(1 + r.IntN(255))
		case 2:
			msg = append([]byte(nil), good[:r.IntN(len(good))]...)
		}
		peer := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(r.IntN(4))}), uint16(6000+r.IntN(3)))
		wantDropped(t, a.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: testLocal, Peer: peer}, Message: msg}))
		now = now.Add(time.Duration(r.IntN(100)) * time.Millisecond)
		must(t, a.HandleTimeout(now))
		if d, ok := a.PollTimeout(); ok && d.Before(now) {
			t.Fatalf("deadline %v before now %v", d, now)
		}
		drainAll(a)
	}
	if a.Stats().Dropped == 0 {
		t.Fatal("nothing counted as dropped")
	}
}

func TestCandidateAndPairLimits(t *testing.T) {
	a, err := NewAgent(Config{MaxCandidates: 3, MaxPairs: 4, Rand: zeroRand{}})
	must(t, err)
	for i := 0; i < 3; i++ {
		if err := a.AddLocalAddress(netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}), 5000), shared.UDP); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.AddLocalAddress(netip.MustParseAddrPort("192.0.2.9:5000"), shared.UDP); !errors.Is(err, ErrCandidateLimit) {
		t.Fatalf("local limit: %v", err)
	}
	for i := 0; i < 3; i++ {
		c := Candidate{Foundation: "x", Component: 1, Priority: uint32(100 + i), Type: CandidateHost,
			Address: netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)}), 6000)}
		if err := a.AddRemoteCandidate(c); err != nil {
			t.Fatal(err)
		}
	}
	c := Candidate{Foundation: "x", Component: 1, Type: CandidateHost, Address: netip.MustParseAddrPort("198.51.100.9:6000")}
	if err := a.AddRemoteCandidate(c); !errors.Is(err, ErrCandidateLimit) {
		t.Fatalf("remote limit: %v", err)
	}
	if len(a.pairs) != 4 {
		t.Fatalf("pairs %d, want the limit 4", len(a.pairs))
	}
	// The kept pairs are the highest-priority ones.
	for _, p := range a.pairs {
		if p.remote.Priority == 100 {
			t.Fatalf("kept a lowest-priority pair")
		}
	}
}

func TestQueueLimit(t *testing.T) {
	a := newTestAgent(t, Config{MaxQueue: 8})
	drainAll(a)
	var err error
	for i := 0; i < 20 && err == nil; i++ {
		err = a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: shared.TransportContext{Local: testLocal, Peer: testRemote}, Message: checkFromRemote(byte(i), false)})
	}
	if a.out.Len() > 8 {
		t.Fatalf("outbox grew to %d", a.out.Len())
	}
	if a.Stats().Dropped == 0 {
		t.Fatal("overflow not counted")
	}
}

func TestHandleWriteBeforeSelection(t *testing.T) {
	a := newTestAgent(t, Config{})
	if err := a.HandleWrite([]byte("x")); !errors.Is(err, ErrNoSelectedPair) {
		t.Fatal(err)
	}
	must(t, a.Close())
	if err := a.HandleWrite([]byte("x")); !errors.Is(err, shared.ErrClosed) {
		t.Fatal(err)
	}
	if a.ConnectionState() != StateClosed {
		t.Fatal(a.ConnectionState())
	}
}

// The common path of a full agent, answering a check on a known pair,
// allocates nothing once the caller recycles write buffers.
func TestBindingResponseZeroAllocs(t *testing.T) {
	a := newTestAgent(t, Config{})
	msg := checkFromRemote(1, false)
	tb := shared.TaggedBytes{Now: testStart, Transport: shared.TransportContext{Local: testLocal, Peer: testRemote}, Message: msg}
	step := func() {
		must(t, a.HandleRead(tb))
		for {
			m, ok := a.PollWrite()
			if !ok {
				break
			}
			a.ReleaseWrite(m.Message)
		}
		for {
			if _, ok := a.PollEvent(); !ok {
				break
			}
		}
	}
	for i := 0; i < 10; i++ {
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Fatalf("%v allocations per Binding request", n)
	}
}

// HandleEvent is the same as the methods.
func TestCommands(t *testing.T) {
	a, err := NewAgent(Config{Rand: netsim.NewRand(1, "commands")})
	must(t, err)
	cmds := []Command{
		{Kind: CmdAddLocalAddress, Address: testLocal, Protocol: shared.UDP},
		{Kind: CmdEndOfLocalAddresses},
		{Kind: CmdSetRemoteCredentials, Ufrag: testRemoteUfrag, Password: testRemotePwd},
		{Kind: CmdAddRemoteCandidate, Candidate: Candidate{Foundation: "1", Component: 1, Priority: 1, Address: testRemote}},
		{Kind: CmdAddRemoteCandidate, Candidate: Candidate{Foundation: "2", Component: 1, Priority: 1, Hostname: "x.local", Address: netip.AddrPortFrom(netip.Addr{}, 7000)}},
		{Kind: CmdResolveHostname, Hostname: "x.local", Address: netip.MustParseAddrPort("198.51.100.3:0")},
		{Kind: CmdEndOfRemoteCandidates},
	}
	for _, c := range cmds {
		if err := a.HandleEvent(c); err != nil {
			t.Fatalf("%v: %v", c.Kind, err)
		}
	}
	if len(a.remotes) != 2 || len(a.pairs) != 2 || a.GatheringState() != GatheringComplete || !a.remoteEOC {
		t.Fatalf("remotes %d pairs %d gathering %v", len(a.remotes), len(a.pairs), a.GatheringState())
	}
	u, _ := a.LocalCredentials()
	if err := a.HandleEvent(Command{Kind: CmdRestart}); err != nil {
		t.Fatal(err)
	}
	if u2, _ := a.LocalCredentials(); u2 == u {
		t.Fatal("restart kept the ufrag")
	}
	if err := a.HandleEvent(Command{}); !errors.Is(err, ErrUnsupported) {
		t.Fatal(err)
	}
}

// Application data both ways allocates nothing in steady state when the
// caller hands buffers back.
func TestDataPathZeroAllocs(t *testing.T) {
	w := build(t, scenario{seed: 1, natA: open, natB: open, link: netsim.LinkConfig{Delay: time.Millisecond}}, Config{Role: RoleControlling}, Config{})
	w.connect(t, "data", 5*time.Second)
	a := w.pa.a
	sp, _ := a.SelectedPair()
	payload := make([]byte, 1200)
	in := shared.TaggedBytes{Now: w.sim.Now(), Transport: shared.TransportContext{Local: sp.Transport.Local, Peer: sp.Transport.Peer}, Message: payload}
	step := func() {
		if err := a.HandleWrite(payload); err != nil {
			t.Fatal(err)
		}
		m, _ := a.PollWrite()
		a.ReleaseWrite(m.Message)
		if err := a.HandleRead(in); err != nil {
			t.Fatal(err)
		}
		r, _ := a.PollRead()
		a.ReleaseRead(r.Message)
	}
	for i := 0; i < 10; i++ {
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Fatalf("%v allocations per datagram pair", n)
	}
}

func TestPeerPrefixes(t *testing.T) {
	a := newTestAgent(t, Config{PeerPrefixes: []netip.Prefix{netip.MustParsePrefix("198.51.100.2/32")}})
	c, err := ParseCandidate("candidate:2 1 udp 1 203.0.113.5 6000 typ host")
	must(t, err)
	if err := a.AddRemoteCandidate(c); err != nil || len(a.remotes) != 1 {
		t.Fatalf("outside candidate: %v, %d remotes", err, len(a.remotes))
	}
	drainAll(a)
	outside := netip.MustParseAddrPort("203.0.113.5:6000")
	if err := a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: shared.TransportContext{Local: testLocal, Peer: outside}, Message: checkFromRemote(1, false)}); err != nil {
		t.Fatal(err)
	}
	if out := drainAll(a); len(out) != 0 || a.Stats().RequestsReceived != 0 {
		t.Fatalf("answered a check from outside the prefixes: %v", out)
	}
	must(t, a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: shared.TransportContext{Local: testLocal, Peer: testRemote}, Message: checkFromRemote(2, false)}))
	if a.Stats().RequestsReceived != 1 {
		t.Fatal("check from inside the prefixes not answered")
	}
}

// New checks leave at most one per Ta (RFC 8445 §14.2), with Ta
// configurable.
func TestPacing(t *testing.T) {
	for _, ta := range []time.Duration{0, 20 * time.Millisecond} {
		want := ta
		if want == 0 {
			want = 50 * time.Millisecond
		}
		a := newTestAgent(t, Config{Ta: ta})
		for i := 0; i < 8; i++ {
			c := Candidate{Foundation: fmt.Sprint(i), Component: 1, Priority: uint32(1000 + i), Type: CandidateHost,
				Address: netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(10 + i)}), 6000)}
			must(t, a.AddRemoteCandidate(c))
		}
		var sent []time.Time
		now := testStart
		for i := 0; i < 100 && len(sent) < 9; i++ {
			before := a.Stats().ChecksSent
			must(t, a.HandleTimeout(now))
			if a.Stats().ChecksSent > before {
				if a.Stats().ChecksSent-before > 1 {
					t.Fatalf("Ta=%v: %d checks at once", ta, a.Stats().ChecksSent-before)
				}
				sent = append(sent, now)
			}
			drainAll(a)
			d, ok := a.PollTimeout()
			if !ok {
				break
			}
			now = d
		}
		if len(sent) < 9 {
			t.Fatalf("Ta=%v: %d checks", ta, len(sent))
		}
		for i := 1; i < len(sent); i++ {
			if gap := sent[i].Sub(sent[i-1]); gap < want {
				t.Fatalf("Ta=%v: checks %v apart", ta, gap)
			}
		}
	}
}

// A server-reflexive address equal to the host address is redundant
// (RFC 8445 §5.1.3) and not signalled.
func TestRedundantSrflxDropped(t *testing.T) {
	w := build(t, scenario{seed: 1, natA: open, natB: natKinds[1], link: netsim.LinkConfig{Delay: 5 * time.Millisecond}}, Config{Role: RoleControlling}, Config{})
	if err := w.sim.Run(func() bool {
		return w.pa.a.GatheringState() == GatheringComplete && w.pb.a.GatheringState() == GatheringComplete
	}, 10000); err != nil {
		t.Fatal(err)
	}
	if len(w.pa.cands) != 1 || len(w.pb.cands) != 2 {
		t.Fatalf("A (no NAT) %v; B (NAT) %v", w.pa.cands, w.pb.cands)
	}
}

func TestEndOfCandidatesForms(t *testing.T) {
	for _, s := range []string{"", "a=end-of-candidates", "end-of-candidates\r\n"} {
		a := newTestAgent(t, Config{})
		if err := a.AddRemoteCandidateString(s); err != nil || !a.remoteEOC {
			t.Fatalf("%q: %v", s, err)
		}
	}
}

// RFC 8489 §6.3.1: a check with an unknown comprehension-required attribute
// gets a 420 listing it in UNKNOWN-ATTRIBUTES; one without PRIORITY gets 400.
func TestUnknownRequiredAttributeGets420(t *testing.T) {
	a := newTestAgent(t, Config{})
	drainAll(a)
	build := func(id byte, extra bool) []byte {
		b := stun.NewBuilder(nil, stun.BindingRequest, stun.TransactionID{id})
		b.AddUsername(testLocalUfrag + ":" + testRemoteUfrag)
		if extra {
			b.AddPriority(1)
			b.Add(stun.AttrType(0x0077), []byte{1, 2, 3, 4})
		}
		b.AddMessageIntegrity(stun.NewIntegrity([]byte(testLocalPwd)))
		b.AddFingerprint()
		m, err := b.Bytes()
		must(t, err)
		return m
	}
	for _, tc := range []struct {
		extra bool
		code  stun.ErrorCode
	}{{true, stun.CodeUnknownAttribute}, {false, stun.CodeBadRequest}} {
		err := a.HandleRead(shared.TaggedBytes{Now: testStart, Transport: shared.TransportContext{Local: testLocal, Peer: testRemote}, Message: build(7, tc.extra)})
		if err == nil {
			t.Fatalf("%d: accepted", tc.code)
		}
		var resp stun.Message
		out := drainAll(a)
		if len(out) != 1 || stun.Parse(out[0].Message, &resp) != nil || resp.Type != stun.BindingError {
			t.Fatalf("%d: no error response in %d datagrams", tc.code, len(out))
		}
		if code, _, err := resp.ErrorCode(); err != nil || code != tc.code {
			t.Fatalf("got code %d (%v), want %d", code, err, tc.code)
		}
		if err := stun.NewIntegrity([]byte(testLocalPwd)).Check(&resp); err != nil {
			t.Fatal(err)
		}
		got, err := resp.UnknownAttributes(nil)
		if tc.extra && (err != nil || len(got) != 1 || got[0] != 0x0077) {
			t.Fatalf("UNKNOWN-ATTRIBUTES %v %v", got, err)
		}
	}
}

// A hostname candidate built by the caller in mixed case still resolves:
// ResolveHostname matches names case-insensitively.
func TestResolveMixedCaseHostname(t *testing.T) {
	a := newTestAgent(t, Config{})
	drainAll(a)
	c := Candidate{Foundation: "9", Component: 1, Protocol: shared.UDP, Priority: 1, Type: CandidateHost,
		Hostname: "Peer-1.Local", Address: netip.AddrPortFrom(netip.Addr{}, 7000)}
	if err := a.AddRemoteCandidate(c); err != nil {
		t.Fatal(err)
	}
	var name string
	for {
		ev, ok := a.PollEvent()
		if !ok {
			break
		}
		if ev.Kind == EventResolveHostname {
			name = ev.Hostname
		}
	}
	if name == "" {
		t.Fatal("no EventResolveHostname")
	}
	before := len(a.remotes)
	if err := a.ResolveHostname(name, netip.MustParseAddr("198.51.100.7")); err != nil {
		t.Fatal(err)
	}
	if len(a.remotes) != before+1 || len(a.pending) != 0 {
		t.Fatalf("remotes %d -> %d, pending %d", before, len(a.remotes), len(a.pending))
	}
}

// A full event queue is reported by the next Handle* call (shared contract:
// a bounded queue returns an error, nothing is dropped silently), once.
func TestEventQueueFullReported(t *testing.T) {
	a, err := NewAgent(Config{MaxQueue: 1, Rand: netsim.NewRand(1, "queue")})
	must(t, err)
	for i := range 3 { // each address gathers a host candidate event
		must(t, a.AddLocalAddress(netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), uint16(5000+i)), shared.UDP))
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := a.HandleTimeout(now); !errors.Is(err, shared.ErrQueueFull) {
		t.Fatalf("HandleTimeout after lost events = %v, want ErrQueueFull", err)
	}
	if a.Stats().Dropped == 0 {
		t.Error("lost events not counted in Stats.Dropped")
	}
	for _, ok := a.PollEvent(); ok; _, ok = a.PollEvent() {
	}
	if err := a.HandleTimeout(now); err != nil {
		t.Fatalf("HandleTimeout after the loss was reported = %v, want nil", err)
	}
}
