package rtc_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// Alice sends an Opus track to Bob: Bob sees the track event with its
// stream, and reads the RTP packet from PollRead as a view he gives back.
func Example_media() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	alice, err := rtc.NewPeerConnection(rtc.Configuration{Now: start, LocalAddresses: []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:5000")}})
	check(err)
	bob, err := rtc.NewPeerConnection(rtc.Configuration{Now: start, LocalAddresses: []netip.AddrPort{netip.MustParseAddrPort("198.51.100.1:6000")}})
	check(err)
	sender, err := alice.AddTrack(rtc.Track{Kind: rtc.MediaKindAudio, StreamIDs: []string{"mic"},
		Codec: rtc.Codec{Name: "opus", ClockRate: 48000, Channels: 2}})
	check(err)

	offer, err := alice.CreateOffer()
	check(err)
	check(alice.SetLocalDescription(offer))
	check(bob.SetRemoteDescription(alice.LocalDescription()))
	answer, err := bob.CreateAnswer()
	check(err)
	check(bob.SetLocalDescription(answer))
	check(alice.SetRemoteDescription(bob.LocalDescription()))
	pump(start, alice, bob, func() bool { return alice.ConnectionState() == rtc.PeerConnectionConnected })
	for {
		e, ok := bob.PollEvent()
		if !ok {
			break
		}
		if e.Kind == rtc.EventTrack {
			fmt.Println("bob: track", e.Track.Kind, "in stream", e.Streams[0])
		}
	}

	check(sender.WriteSample(rtc.Sample{Data: make([]byte, 120), Duration: 20 * time.Millisecond}))
	var m rtc.Message
	got := false
	pump(start, alice, bob, func() bool {
		for !got {
			if m, got = bob.PollRead(); !got || m.Kind == rtc.MessageRTP {
				break
			}
			bob.ReleaseRead(m) // RTCP (reports) comes out of PollRead too
			got = false
		}
		return got
	})
	fmt.Println("bob:", m.Kind, "on mid", m.Transceiver.Mid(), "payload type", m.Data[1]&0x7f, len(m.Data) > 120)
	bob.ReleaseRead(m)
	// Output:
	// bob: track audio in stream mic
	// bob: rtp on mid 0 payload type 111 true
}
