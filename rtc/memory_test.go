package rtc

import "testing"

// TestRemoteDescriptionReleasedAfterSettle: once an exchange is settled
// (media applied, remote tracks processed), the parsed remote description
// is let go (issue 18: ~2.7 KB per idle PeerConnection); a renegotiation
// afterwards still settles with the new one.
func TestRemoteDescriptionReleasedAfterSettle(t *testing.T) {
	_, a, b, _ := connectedPair(t, 7, 1, Configuration{}, Configuration{})
	for _, p := range []*peer{a, b} {
		if p.pc.neg.remoteSD != nil || p.pc.media.tracksFor != nil {
			t.Fatalf("%s: parsed remote description kept after the exchange settled", p.name)
		}
	}
	// A second exchange (a new channel needs none, so add a transceiver).
	if _, err := a.pc.AddTransceiver(MediaKindAudio, TransceiverInit{Direction: DirectionSendRecv}); err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	for _, p := range []*peer{a, b} {
		if p.pc.neg.remoteSD != nil {
			t.Fatalf("%s: parsed remote description kept after the second exchange", p.name)
		}
		if len(p.pc.neg.transceivers) != 1 || !p.pc.neg.transceivers[0].hasCurrent {
			t.Fatalf("%s: second exchange not settled: %d transceivers", p.name, len(p.pc.neg.transceivers))
		}
	}
}
