package rtc_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// GetStats returns a W3C RTCStatsReport: read it typed, or marshal it to
// the JSON browser tools read.
func ExamplePeerConnection_GetStats() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pc, err := rtc.NewPeerConnection(rtc.Configuration{Now: now})
	check(err)
	_, err = pc.CreateDataChannel("chat", rtc.DataChannelInit{})
	check(err)
	r := pc.GetStats(now)
	for _, t := range rtc.StatsOf[rtc.StatsTransport](r) {
		fmt.Println(t.ID, "ice", t.ICEState, "dtls", t.DTLSState)
	}
	for _, d := range rtc.StatsOf[rtc.StatsDataChannel](r) {
		fmt.Println(d.Label, d.State)
	}
	b, err := json.Marshal(r["P"])
	check(err)
	fmt.Println(string(b))
	// Output:
	// T01 ice new dtls new
	// chat connecting
	// {"id":"P","type":"peer-connection","timestamp":1767225600000,"dataChannelsOpened":0,"dataChannelsClosed":0}
}
