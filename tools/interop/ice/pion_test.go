package iceinterop

import (
	"context"
	"strings"
	"testing"
	"time"

	pionice "github.com/pion/ice/v4"
	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// ourEP wraps our agent for the runner; with pion set, it trickles our
// candidates to Pion's agent.
type ourEP struct {
	peers.Endpoint
	a      *ice.Agent
	pion   *pionice.Agent
	reads  [][]byte
	states []ice.ConnectionState
	t      *testing.T
}

func (e *ourEP) drain() {
	for {
		ev, ok := e.a.PollEvent()
		if !ok {
			break
		}
		switch ev.Kind {
		case ice.EventLocalCandidate:
			if e.pion == nil {
				continue // Chromium learns our candidates from the SDP
			}
			c, err := pionice.UnmarshalCandidate(strings.TrimPrefix(ev.Candidate.String(), "candidate:"))
			if err != nil {
				e.t.Errorf("pion rejects our candidate %q: %v", ev.Candidate.String(), err)
				continue
			}
			if err := e.pion.AddRemoteCandidate(c); err != nil {
				e.t.Errorf("pion AddRemoteCandidate: %v", err)
			}
		case ice.EventConnectionState:
			e.states = append(e.states, ev.ConnectionState)
		}
	}
	for {
		m, ok := e.a.PollRead()
		if !ok {
			break
		}
		e.reads = append(e.reads, m.Message)
	}
}
func newPion(t *testing.T) *pionice.Agent {
	p, err := pionice.NewAgent(&pionice.AgentConfig{
		NetworkTypes:     []pionice.NetworkType{pionice.NetworkTypeUDP4},
		CandidateTypes:   []pionice.CandidateType{pionice.CandidateTypeHost},
		MulticastDNSMode: pionice.MulticastDNSModeDisabled,
		IncludeLoopback:  true,
		InterfaceFilter:  func(name string) bool { return name == "lo" },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// testPion connects our agent with Pion's over loopback UDP; ourRole is our
// agent's role. Data then goes both ways on the selected pair.
func testPion(t *testing.T, ourRole ice.Role) {
	r := peers.NewRunner(t)
	p := newPion(t)
	a, err := ice.NewAgent(ice.Config{Role: ourRole})
	if err != nil {
		t.Fatal(err)
	}
	ep := &ourEP{a: a, pion: p, t: t}
	ep.Endpoint = peers.Endpoint{Machine: a, Drain: ep.drain}
	pu, pp, err := p.GetLocalUserCredentials()
	must(t, err)
	must(t, a.SetRemoteCredentials(pu, pp))
	ou, op := a.LocalCredentials()
	p.OnCandidate(func(c pionice.Candidate) {
		r.Call(func() {
			if c == nil {
				a.EndOfRemoteCandidates()
			} else if !strings.HasPrefix(c.Address(), "127.") {
				return // loopback only
			} else if err := a.AddRemoteCandidateString("candidate:" + c.Marshal()); err != nil {
				t.Errorf("our agent rejects pion's %q: %v", c.Marshal(), err)
			}
			ep.drain()
		})
	})
	if err := p.GatherCandidates(); err != nil {
		t.Fatal(err)
	}
	must(t, a.HandleTimeout(time.Now()))
	must(t, a.AddLocalAddress(r.ListenUDP(ep), shared.UDP))
	a.EndOfLocalAddresses()
	ep.drain()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	connCh := make(chan *pionice.Conn, 1)
	errCh := make(chan error, 1)
	go func() {
		var c *pionice.Conn
		var err error
		if ourRole == ice.RoleControlling {
			c, err = p.Accept(ctx, ou, op)
		} else {
			c, err = p.Dial(ctx, ou, op)
		}
		if err != nil {
			errCh <- err
			return
		}
		connCh <- c
	}()
	var conn *pionice.Conn
	err = r.Run("connect", 10*time.Second, func() bool {
		select {
		case conn = <-connCh:
		case err := <-errCh:
			t.Fatalf("pion: %v", err)
		default:
		}
		sp, ok := a.SelectedPair()
		return conn != nil && ok && sp.Nominated
	})
	if err != nil {
		t.Fatalf("%v: our states %v", err, ep.states)
	}
	sp, _ := a.SelectedPair()
	t.Logf("our role %v: selected %s -> %s; states %v", ourRole, sp.Local.Address, sp.Remote.Address, ep.states)
	// Pion echoes what it reads.
	go func() {
		buf := make([]byte, 1500)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			conn.Write(append([]byte("echo:"), buf[:n]...))
		}
	}()
	for i := 0; i < 20 && len(ep.reads) == 0; i++ {
		if err := a.HandleWrite([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		r.Run("echo", 200*time.Millisecond, func() bool { return len(ep.reads) > 0 })
	}
	if len(ep.reads) == 0 || string(ep.reads[0]) != "echo:ping" {
		t.Fatalf("no echo from pion: %q", ep.reads)
	}
}

func TestPionControlledByUs(t *testing.T) { testPion(t, ice.RoleControlling) }
func TestPionControllingUs(t *testing.T)  { testPion(t, ice.RoleControlled) }
