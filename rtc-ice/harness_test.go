package ice

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// peer wraps an Agent as a netsim endpoint, drains its events and reads,
// and trickles its candidates to the other peer as strings (signalling with
// no delay).
type peer struct {
	t           testing.TB
	name        string
	a           *Agent
	other       *peer
	reads       []shared.TaggedBytes
	states      []ConnectionState
	selected    []PairInfo
	nominations []PairInfo // EventPairNominated
	cands       []string
	roles       []Role
	resolve     map[string]netip.Addr // mDNS names this peer's resolver knows
	noSignal    bool                  // do not trickle candidates
	tcpPorts    []netip.AddrPort      // local addresses handed out for TCP connections
}

func (p *peer) HandleRead(m shared.TaggedBytes) error {
	err := p.a.HandleRead(m)
	p.drain()
	return err
}

func (p *peer) HandleTimeout(now time.Time) error {
	err := p.a.HandleTimeout(now)
	p.drain()
	return err
}

func (p *peer) PollWrite() (shared.TaggedBytes, bool) { return p.a.PollWrite() }
func (p *peer) PollTimeout() (time.Time, bool)        { return p.a.PollTimeout() }

func (p *peer) drain() {
	for {
		ev, ok := p.a.PollEvent()
		if !ok {
			break
		}
		switch ev.Kind {
		case EventLocalCandidate:
			s := ev.Candidate.String()
			p.cands = append(p.cands, s)
			if p.other != nil && !p.noSignal {
				if err := p.other.a.AddRemoteCandidateString(s); err != nil {
					p.t.Errorf("%s: trickle %q: %v", p.name, s, err)
				}
			}
		case EventGatheringState:
			if ev.GatheringState == GatheringComplete && p.other != nil && !p.noSignal {
				p.other.a.EndOfRemoteCandidates()
			}
		case EventConnectionState:
			p.states = append(p.states, ev.ConnectionState)
		case EventSelectedPairChanged:
			p.selected = append(p.selected, ev.Pair)
		case EventPairNominated:
			p.nominations = append(p.nominations, ev.Pair)
		case EventRoleChanged:
			p.roles = append(p.roles, ev.Role)
		case EventTCPConnect:
			if len(p.tcpPorts) == 0 {
				p.a.TCPConnectFailed(ev.Pair.Remote.Address)
				break
			}
			local := p.tcpPorts[0]
			p.tcpPorts = p.tcpPorts[1:]
			if err := p.a.TCPConnected(local, ev.Pair.Remote.Address); err != nil {
				p.t.Errorf("%s: TCPConnected: %v", p.name, err)
			}
		case EventResolveHostname:
			if ip, ok := p.resolve[ev.Hostname]; ok {
				if err := p.a.ResolveHostname(ev.Hostname, ip); err != nil {
					p.t.Errorf("%s: ResolveHostname: %v", p.name, err)
				}
			}
		}
	}
	for {
		m, ok := p.a.PollRead()
		if !ok {
			break
		}
		p.reads = append(p.reads, m)
	}
}

func (p *peer) connected() bool {
	s := p.a.ConnectionState()
	return s == StateConnected || s == StateCompleted
}

func (p *peer) nominated() bool {
	sp, ok := p.a.SelectedPair()
	return ok && sp.Nominated && p.connected()
}

// stunServer answers Binding requests with the source address (RFC 8489 §6.3.1).
type stunServer struct {
	addr netip.AddrPort
	out  []shared.TaggedBytes
	msg  stun.Message
}

func (s *stunServer) HandleRead(m shared.TaggedBytes) error {
	if err := stun.Parse(m.Message, &s.msg); err != nil {
		return err
	}
	if s.msg.Type != stun.BindingRequest {
		return nil
	}
	b := stun.NewBuilder(nil, stun.BindingSuccess, s.msg.TransactionID)
	b.AddXORMappedAddress(m.Transport.Peer)
	b.AddFingerprint()
	resp := mustBytes(&b)
	s.out = append(s.out, shared.TaggedBytes{Transport: m.Transport, Message: resp})
	return nil
}

func (s *stunServer) PollWrite() (shared.TaggedBytes, bool) {
	if len(s.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	m := s.out[0]
	s.out = s.out[1:]
	return m, true
}
func (s *stunServer) HandleTimeout(time.Time) error  { return nil }
func (s *stunServer) PollTimeout() (time.Time, bool) { return time.Time{}, false }

var (
	ap = netip.MustParseAddrPort
	ip = netip.MustParseAddr
)

// newPeers builds two agents that exchange credentials and trickle
// candidates to each other.
func newPeers(t testing.TB, seed uint64, ca, cb Config) (*peer, *peer) {
	t.Helper()
	if ca.Rand == nil {
		ca.Rand = netsim.NewRand(seed, "A")
	}
	if cb.Rand == nil {
		cb.Rand = netsim.NewRand(seed, "B")
	}
	a, err := NewAgent(ca)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewAgent(cb)
	if err != nil {
		t.Fatal(err)
	}
	pa := &peer{t: t, name: "A", a: a}
	pb := &peer{t: t, name: "B", a: b}
	pa.other, pb.other = pb, pa
	u, pw := b.LocalCredentials()
	if err := a.SetRemoteCredentials(u, pw); err != nil {
		t.Fatal(err)
	}
	u, pw = a.LocalCredentials()
	if err := b.SetRemoteCredentials(u, pw); err != nil {
		t.Fatal(err)
	}
	return pa, pb
}

// wantDropped accepts nil or an error the agent returns for input it drops
// and counts; any other error (a new failure mode) fails the test.
func wantDropped(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, e := range []error{ErrBadMessage, ErrUnknownPeer, ErrUnknownLocalAddress, ErrCandidateLimit} {
		if errors.Is(err, e) {
			return
		}
	}
	t.Fatalf("unexpected error for dropped input: %v", err)
}

// mustBytes returns the built message; a builder error is a bug in the
// test's message, so it panics rather than pass a nil message on.
func mustBytes(b *stun.Builder) []byte {
	m, err := b.Bytes()
	if err != nil {
		panic(err)
	}
	return m
}

// must fails the test on an error: no test discards one (the shared helper).
var must = contracttest.Must
