package rtc

import (
	"testing"
	"time"
)

// TestRemoteCloseReportedPromptly: when the remote side closes (its own
// Close, a DTLS close_notify, an SCTP ABORT or SHUTDOWN), the
// PeerConnection reports it within 1 s of the close arriving, by the W3C
// transport state events a driver acts on to release the socket, not
// after ICE consent expires (7 s disconnected, 30 s failed; issue 11).
func TestRemoteCloseReportedPromptly(t *testing.T) {
	for _, tc := range []struct {
		name  string
		close func(t *testing.T, p *peer)
		want  EventKind
	}{
		{"peer Close", func(t *testing.T, p *peer) {
			if err := p.pc.Close(); err != nil {
				t.Fatal(err)
			}
		}, EventDTLSStateChange},
		{"close_notify", func(t *testing.T, p *peer) {
			if err := p.pc.tr.dtlsConn().Close(); err != nil {
				t.Fatal(err)
			}
			p.pc.step()
		}, EventDTLSStateChange},
		{"SCTP ABORT", func(t *testing.T, p *peer) {
			if err := p.pc.data.manager().Association().Abort("bye"); err != nil {
				t.Fatal(err)
			}
			p.pc.step()
		}, EventSCTPStateChange},
		{"SCTP SHUTDOWN", func(t *testing.T, p *peer) {
			if err := p.pc.data.manager().Association().Close(); err != nil {
				t.Fatal(err)
			}
			p.pc.step()
		}, EventSCTPStateChange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, a, b, _ := connectedPair(t, 31, 1, Configuration{}, Configuration{})
			start := len(a.Events)
			t0 := sim.Now()
			tc.close(t, b)
			closed := func() bool {
				for _, e := range a.Events[start:] {
					if e.Kind == tc.want && (e.DTLSState == DTLSTransportClosed && e.Kind == EventDTLSStateChange ||
						e.SCTPState == SCTPTransportClosed && e.Kind == EventSCTPStateChange) {
						return true
					}
				}
				return false
			}
			if err := sim.Run(closed, 100000); err != nil {
				t.Fatalf("no %v closed: %v; events %v", tc.want, err, a.Events[start:])
			}
			if d := sim.Now().Sub(t0); d > time.Second {
				t.Errorf("remote close reported after %v, want within 1 s", d)
			}
			if a.pc.ConnectionState() != PeerConnectionConnected && a.pc.ConnectionState() != PeerConnectionClosed {
				t.Logf("connection state %v", a.pc.ConnectionState())
			}
			for _, d := range a.pc.DataChannels() {
				t.Errorf("channel %q still listed (%v) after the remote close", d.Label(), d.State())
			}
		})
	}
}
